// Builds the npm tarballs of a release (run by `make dist`):
//
//   node clients/node/npm/pack.mjs HELPERS_DIR OUT_DIR
//
// HELPERS_DIR holds the cross-compiled helpers, sigrpc-<GOOS>-<GOARCH>.
// OUT_DIR receives, from `npm pack`:
//
//   sigrpc-<version>.tgz               the client (clients/node, the files its
//                                      package.json lists), with the platform
//                                      packages as optionalDependencies
//   sigrpc-<os>-<cpu>-<version>.tgz    @sigrpc/<os>-<cpu>: bin/sigrpc (0755),
//                                      with `os` and `cpu` so that npm installs
//                                      only the one for the machine
//
// The version is internal/version/VERSION; clients/node/package.json must
// carry the same (npm reads no other file), or nothing is packed. The
// optionalDependencies are added to the packed copy only: in the repository
// they would make `npm ci` look for packages that are not published yet.

import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { PLATFORMS } from './platforms.mjs';

const client = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(client, '..', '..');

function main() {
  const [helpers, out] = process.argv.slice(2).map((p) => resolve(p));
  if (!helpers || !out) {
    throw new Error('usage: node clients/node/npm/pack.mjs HELPERS_DIR OUT_DIR');
  }
  const version = readFileSync(join(root, 'internal', 'version', 'VERSION'), 'utf8').trim();
  const manifest = JSON.parse(readFileSync(join(client, 'package.json'), 'utf8'));
  if (manifest.version !== version) {
    throw new Error(
      `clients/node/package.json has version ${manifest.version}, internal/version/VERSION ${version}: ` +
        `run make set-version V=${version}`,
    );
  }
  mkdirSync(out, { recursive: true });
  const stage = mkdtempSync(join(tmpdir(), 'sigrpc-npm-'));
  try {
    for (const p of PLATFORMS) {
      const helper = join(helpers, `sigrpc-${p.goos}-${p.goarch}`);
      if (!existsSync(helper)) throw new Error(`no helper for ${p.goos}/${p.goarch} at ${helper}`);
      const dir = join(stage, `${p.os}-${p.cpu}`);
      mkdirSync(join(dir, 'bin'), { recursive: true });
      copyFileSync(helper, join(dir, 'bin', 'sigrpc'));
      chmodSync(join(dir, 'bin', 'sigrpc'), 0o755);
      copyFileSync(join(root, 'LICENSE'), join(dir, 'LICENSE'));
      writeJSON(join(dir, 'package.json'), platformManifest(p, version));
      writeFileSync(join(dir, 'README.md'), platformReadme(p));
      pack(dir, out);
    }

    const dir = join(stage, 'sigrpc');
    for (const file of packedFiles(client)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      copyFileSync(join(client, file), join(dir, file));
    }
    copyFileSync(join(root, 'LICENSE'), join(dir, 'LICENSE'));
    manifest.optionalDependencies = Object.fromEntries(
      PLATFORMS.map((p) => [`@sigrpc/${p.os}-${p.cpu}`, version]),
    );
    writeJSON(join(dir, 'package.json'), manifest);
    pack(dir, out);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** @param {typeof PLATFORMS[number]} p @param {string} version */
function platformManifest(p, version) {
  return {
    name: `@sigrpc/${p.os}-${p.cpu}`,
    version,
    description: `The sigrpc helper binary for ${p.label}, installed with the sigrpc package`,
    license: 'BSD-2-Clause',
    os: [p.os],
    cpu: [p.cpu],
    files: ['bin/sigrpc'],
    preferUnplugged: true,
  };
}

/** @param {typeof PLATFORMS[number]} p */
function platformReadme(p) {
  return `# @sigrpc/${p.os}-${p.cpu}

The sigrpc helper for ${p.label} (\`bin/sigrpc\`, a static Go binary). Do not
install this package yourself: install \`sigrpc\`, which lists it as an
optional dependency, so npm installs the one package that matches the
machine, and the client runs the helper in it.
`;
}

/** The files `npm pack` would take from dir (its package.json `files`, README, ...). */
function packedFiles(dir) {
  const [result] = JSON.parse(npm(['pack', '--dry-run', '--json', '--ignore-scripts'], dir));
  return result.files.map((/** @type {{path: string}} */ f) => f.path);
}

/** `npm pack` dir into out; prints the tarball's path. */
function pack(dir, out) {
  const [result] = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', out], dir));
  console.log(join(out, result.filename));
}

function npm(args, cwd) {
  return execFileSync('npm', [...args, '--loglevel=error'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

function writeJSON(path, value) {
  writeFileSync(path, JSON.stringify(value, null, 2) + '\n');
}

main();
