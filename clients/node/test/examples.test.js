// The example projects in examples/, as users would have them (a
// temporary copy whose node_modules/sigrpc links to this package), against
// the real helper:
//
// - examples/ts: type-checked and built by TypeScript 5 and TypeScript 7
//   with its own tsconfig.json (the declarations included: no skipLibCheck),
//   and the output of each run: its ES module and its CommonJS module.
// - The declarations alone under each TypeScript's defaults (no tsconfig,
//   no @types/node), where TypeScript 7 leaves out AsyncDisposable.
// - examples/module-systems: a project as `npm init -y` makes it ("type":
//   "commonjs"), whose require.cjs requires the package and whose
//   import.mjs imports it; and the same files under "type": "module".
//
// SAFETY: each example signals only the child it spawns itself.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { PACKAGE, runNode } from './helpers.js';
import { TS_EXAMPLE, TYPESCRIPTS, project, tsc } from './typescript.js';

const MODULE_SYSTEMS = join(PACKAGE, 'examples', 'module-systems');

/** Node can require() ES modules (20.19+, 22.12+). */
const REQUIRE_ESM = /** @type {{require_module?: boolean}} */ (process.features).require_module === true;

/** @type {string} */
let root;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'sigrpc-node-examples-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

/**
 * Assert that a file runs, prints `want` and nothing on stderr.
 * @param {string} cwd
 * @param {string} file
 * @param {string} want
 */
async function runs(cwd, file, want) {
  const r = await runNode(cwd, file);
  assert.equal(r.stderr, '', `${file}: stderr`);
  assert.deepEqual([r.code, r.signal, r.stdout], [0, null, want], file);
}

describe('examples/ts with each TypeScript', { timeout: 120_000, concurrency: true }, () => {
  for (const ts of TYPESCRIPTS) {
    test(`${ts.name}: examples/ts type-checks, builds, and runs`, async () => {
      const version = await tsc(ts, root, ['--version']);
      assert.match(version.output, new RegExp(`^Version ${ts.major}\\.`), `${ts.tsc} is ${ts.name}`);
      const dir = join(root, `ts${ts.major}`);
      project(dir, { from: TS_EXAMPLE, nodeTypes: true });
      const built = await tsc(ts, dir, ['-p', '.']);
      assert.equal(built.output, '', `tsc -p examples/ts (${ts.name})`);
      assert.equal(built.code, 0);
      await runs(dir, 'dist/index.js', 'true\n');
      if (REQUIRE_ESM) await runs(dir, 'dist/require.cjs', 'true\n');
    });

    test(`${ts.name}: the declarations under TypeScript's defaults, without @types/node`, async () => {
      // No tsconfig, no @types: TypeScript 7's defaults leave AsyncDisposable
      // out of the program, which the declarations bring in themselves.
      const dir = join(root, `defaults${ts.major}`);
      mkdirSync(dir);
      project(dir);
      writeFileSync(
        join(dir, 'only.mts'),
        [
          "import { Client, Process, type Termination } from 'sigrpc';",
          'declare const pid: number;', // never run
          'await using client = await Client.start({ rpcTimeout: 5000 });',
          'const proc: Process = await client.process(pid);',
          "const result: Termination = await proc.stop({ timeout: 1000, signal: AbortSignal.timeout(5000) });",
          'console.log(result.exited, await client.wait(pid, { timeout: Infinity }));',
          'await client[Symbol.asyncDispose]();',
          '',
        ].join('\n'),
      );
      const checked = await tsc(ts, dir, ['--noEmit', '--strict', '--module', 'nodenext', 'only.mts']);
      assert.equal(checked.output, '', `tsc only.mts (${ts.name}, its defaults)`);
      assert.equal(checked.code, 0);
    });
  }
});

describe('examples/module-systems: CommonJS and ES modules', { timeout: 60_000 }, () => {
  for (const type of ['commonjs', 'module']) {
    test(`require.cjs and import.mjs where package.json says "type": "${type}"`, async (t) => {
      const dir = join(root, `modules-${type}`);
      project(dir, { from: MODULE_SYSTEMS });
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (type === 'commonjs') assert.equal(pkg.type, 'commonjs', 'the example is a project as `npm init -y` (npm 11) makes it');
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...pkg, type }, null, 2));
      await runs(dir, 'import.mjs', 'import: true\n');
      if (!REQUIRE_ESM) {
        const r = await runNode(dir, 'require.cjs');
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /ERR_REQUIRE_ESM/);
        return t.skip(`Node ${process.version} cannot require() ES modules (20.19+ and 22.12+ can)`);
      }
      await runs(dir, 'require.cjs', 'require: true\n');
    });
  }
});
