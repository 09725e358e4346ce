// Publishes the npm tarballs of a release (what `make dist` wrote to
// dist/npm) to npm's configured registry: every platform package first,
// then the main package, whose optionalDependencies name them, so that no
// one can install a sigrpc whose platform packages are not there yet.
//
//   node clients/node/npm/publish.mjs [--dry-run] [--provenance] DIR
//
// The release workflow (.github/workflows/release.yml) runs it with
// --provenance against npm's public registry, authenticated by npm's trusted
// publishing (GitHub's OIDC token, no npm token); `make test-dist` runs it
// against a local verdaccio (npm_config_registry), then installs from
// there; `make release-check` runs it with --dry-run.
//
// Each package is published with --access public (a scoped package is
// private by default). A version the registry already has is skipped when
// the registry's tarball is this very one (same sha512: a re-run of the
// same release), and is an error when it is not.
//
// --dry-run: `npm publish --dry-run` each tarball, in the same order, and
// check what npm would publish: the name and version the file name gives,
// the file's own bytes (integrity), and bin/sigrpc (0755) in a platform
// package. It asks the registry nothing (--force: npm's own check that the
// version is not published yet is left to the real run, above), so it also
// passes on a commit whose version is out already.

import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';

import { PLATFORMS } from './platforms.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

async function main() {
  const { values, positionals } = parseArgs({
    options: { 'dry-run': { type: 'boolean', default: false }, provenance: { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) {
    throw new Error('usage: node clients/node/npm/publish.mjs [--dry-run] [--provenance] DIR');
  }
  const dir = resolve(positionals[0]);
  const version = readFileSync(join(root, 'internal', 'version', 'VERSION'), 'utf8').trim();

  /** @type {{name: string, file: string, platform: boolean}[]} */
  const packages = [
    ...PLATFORMS.map((p) => ({ name: `@sigrpc/${p.os}-${p.cpu}`, file: `sigrpc-${p.os}-${p.cpu}-${version}.tgz`, platform: true })),
    { name: 'sigrpc', file: `sigrpc-${version}.tgz`, platform: false },
  ];
  const expected = new Set(packages.map((p) => p.file));
  const extra = readdirSync(dir).filter((f) => f.endsWith('.tgz') && !expected.has(f));
  if (extra.length > 0) throw new Error(`${dir} holds tarballs of no package of this release: ${extra.join(', ')}`);
  for (const p of packages) {
    if (!existsSync(join(dir, p.file))) throw new Error(`no ${p.file} in ${dir}: run make dist`);
  }

  /** @param {string} path */
  const integrityOf = (path) => `sha512-${createHash('sha512').update(readFileSync(path)).digest('base64')}`;
  if (values['dry-run']) {
    // all at once (they publish nothing), reported in publishing order
    const results = await Promise.allSettled(packages.map((p) => dryRun(p, join(dir, p.file), version, integrityOf(join(dir, p.file)))));
    const failed = results.filter((r) => r.status === 'rejected');
    for (const r of results) console.log(r.status === 'fulfilled' ? r.value : `FAIL ${r.reason.message}`);
    if (failed.length > 0) throw new Error(`npm publish --dry-run: ${failed.length} of ${packages.length} packages fail`);
    return;
  }
  // what the registry has already, asked all at once; then publish in order
  const published = await Promise.all(packages.map((p) => publishedIntegrity(p.name, version)));
  for (const [i, p] of packages.entries()) {
    const path = join(dir, p.file);
    const integrity = integrityOf(path);
    if (published[i] === integrity) {
      console.log(`${p.name}@${version}: already published, the same tarball; skipped`);
      continue;
    }
    if (published[i] !== null) {
      throw new Error(
        `${p.name}@${version} is published already, from another tarball (${published[i]}; this one is ${integrity}): ` +
          'a published version cannot change; release a new version',
      );
    }
    const args = ['publish', path, '--access', 'public'];
    if (values.provenance) args.push('--provenance');
    npm(args, 'inherit');
    console.log(`${p.name}@${version}: published`);
  }
}

/**
 * @param {{name: string, file: string, platform: boolean}} p
 * @param {string} path @param {string} version @param {string} integrity
 * @returns {Promise<string>} what passed
 */
async function dryRun(p, path, version, integrity) {
  const { stdout } = await promisify(execFile)(
    'npm',
    ['publish', path, '--access', 'public', '--dry-run', '--force', '--json', '--loglevel=error'],
    { encoding: 'utf8' },
  );
  const out = JSON.parse(stdout);
  // npm 11 keys the result by package name; earlier versions print it bare
  const result = out[p.name] ?? out;
  const problems = [];
  if (result.name !== p.name || result.version !== version) {
    problems.push(`npm would publish ${result.name}@${result.version}, not ${p.name}@${version}`);
  }
  if (result.integrity !== integrity) {
    problems.push(`npm would publish other bytes (${result.integrity}) than ${basename(path)} (${integrity})`);
  }
  /** @type {{path: string, mode: number}[]} */
  const files = result.files ?? [];
  const want = p.platform ? ['bin/sigrpc', 'package.json', 'LICENSE'] : ['index.js', 'package.json', 'LICENSE', 'types/index.d.ts'];
  for (const name of want) {
    if (!files.some((f) => f.path === name)) problems.push(`no ${name} in it`);
  }
  const helper = files.find((f) => f.path === 'bin/sigrpc');
  if (p.platform && helper && (helper.mode & 0o777) !== 0o755) {
    problems.push(`bin/sigrpc has mode ${(helper.mode & 0o777).toString(8)}, not 755`);
  }
  if (problems.length > 0) throw new Error(`${basename(path)}: ${problems.join('; ')}`);
  return `${p.name}@${version}: npm publish --dry-run passes (${files.length} files, ${integrity.slice(0, 22)}...)`;
}

/**
 * The registry's integrity of name@version, or null if it has no such version.
 * @param {string} name @param {string} version
 * @returns {Promise<string | null>}
 */
async function publishedIntegrity(name, version) {
  let stdout;
  try {
    ({ stdout } = await promisify(execFile)('npm', ['view', `${name}@${version}`, 'dist.integrity', '--json', '--loglevel=error'], {
      encoding: 'utf8',
    }));
  } catch (err) {
    const e = /** @type {{stdout?: string, stderr?: string, code?: unknown}} */ (err);
    if (/E404|404 Not Found/.test(`${e.stdout}${e.stderr}`)) return null; // no such package or version
    throw new Error(`npm view ${name}@${version} failed (${e.code}):\n${e.stdout}${e.stderr}`);
  }
  const out = stdout.trim();
  return out === '' ? null : JSON.parse(out); // empty: the package, not this version
}

/** @param {string[]} args @param {'pipe' | 'inherit'} stdout */
function npm(args, stdout) {
  return execFileSync('npm', [...args, '--loglevel=error'], { encoding: 'utf8', stdio: ['ignore', stdout, 'inherit'] }) ?? '';
}

await main();
