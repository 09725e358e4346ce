// The package as users get it: what `npm pack` puts in it, and loading it
// by name with import and with require.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import * as sigrpc from '../index.js';
import { HELPER, PACKAGE } from './helpers.js';

/** @type {string} */
let root;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'sigrpc-node-package-'));
  mkdirSync(join(root, 'node_modules'));
  symlinkSync(PACKAGE, join(root, 'node_modules', 'sigrpc'), 'dir');
});
after(() => rmSync(root, { recursive: true, force: true }));

describe('the package', { timeout: 30_000 }, () => {
  test('npm pack holds the sources, the declarations and the README, and nothing else', () => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const [pack] = JSON.parse(execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: PACKAGE, encoding: 'utf8' }));
    const files = pack.files.map((/** @type {{path: string}} */ f) => f.path).sort();
    for (const f of ['README.md', 'index.js', 'package.json', 'src/client.js', 'src/calls.js', 'src/process.js', 'types/index.d.ts', 'types/src/client.d.ts']) {
      assert.ok(files.includes(f), `${f} is packed`);
    }
    for (const f of files) assert.match(f, /^(README\.md|LICENSE|index\.js|package\.json|src\/[a-z]+\.js|types\/.+\.d\.ts)$/, `${f} should not be packed`);
    const pkg = JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8'));
    assert.equal(pkg.dependencies, undefined, 'no runtime dependencies');
    assert.equal(pkg.exports['.'].types, './types/index.d.ts');
  });

  test('import by name', () => {
    writeFileSync(join(root, 'esm.mjs'), "import { Client, Process, codes } from 'sigrpc';\nconsole.log(typeof Client, typeof Process, codes.POLICY);\n");
    const r = spawnSync(process.execPath, ['esm.mjs'], { cwd: root, encoding: 'utf8' });
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, 'function function -32001\n');
  });

  test('require by name works where Node can require ES modules (20.19+, 22.12+), as the README says', (t) => {
    writeFileSync(
      join(root, 'cjs.cjs'),
      "const { Client } = require('sigrpc');\n" +
        "Client.start().then(async (c) => { console.log(await c.signum('TERM')); await c.close(); });\n",
    );
    const r = spawnSync(process.execPath, ['cjs.cjs'], { cwd: root, encoding: 'utf8', env: { ...process.env, SIGRPC_BIN: HELPER } });
    const [major, minor] = process.versions.node.split('.').map(Number);
    const claimed = (major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major >= 23;
    if (!claimed) {
      assert.notEqual(r.status, 0);
      return t.skip(`Node ${process.version} cannot require ES modules`);
    }
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, '15\n');
  });

  test('every export is documented in the README', () => {
    const readme = readFileSync(join(PACKAGE, 'README.md'), 'utf8');
    for (const name of Object.keys(sigrpc)) assert.ok(readme.includes(name), `${name} is not in the README`);
  });
});
