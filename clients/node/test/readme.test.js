// Every code example in README.md (its ```js and ```ts blocks) runs on this
// Node, importing 'sigrpc' as a user would: from a temporary directory whose
// node_modules/sigrpc links to this package. A ```ts block is
// examples/ts/index.ts word for word (examples.test.js type-checks and
// builds that project with TypeScript 5 and 7, with its tsconfig.json);
// here it is compiled (as a user on Node 20 would, `await using` included)
// and run. A ```js block that calls require() is CommonJS, run as a .cjs
// file; the others are ES modules, run as .mjs files. An example must exit
// 0 with nothing on stderr; a block followed by an HTML comment `<!--
// output: ... -->` must print those lines (… stands for anything). The
// ```jsonc block is examples/ts/tsconfig.json word for word.
//
// SAFETY: the examples signal only the children they spawn themselves, and
// ask the helper to signal itself (refused by its policy).

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import ts from 'typescript';

import { PACKAGE, runNode } from './helpers.js';
import { TS_EXAMPLE } from './typescript.js';

/** @returns {{lang: string, code: string, line: number, output: RegExp | undefined}[]} */
function examples() {
  const readme = readFileSync(join(PACKAGE, 'README.md'), 'utf8');
  return [...readme.matchAll(/^```(js|ts)\n([\s\S]*?)^```\n(?:<!-- output:\n([\s\S]*?)-->\n)?/gm)].map((m) => ({
    lang: m[1],
    code: m[2],
    line: readme.slice(0, m.index).split('\n').length,
    output: m[3] === undefined ? undefined : pattern(m[3]),
  }));
}

/**
 * The lines an example must print, as a pattern: `…` stands for anything.
 * @param {string} text
 */
function pattern(text) {
  const lines = text.split('\n').map((l) => l.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replaceAll('…', '.*'));
  return new RegExp(`^${lines.join('\n')}$`);
}

const EXAMPLES = examples();

/** @type {string} */
let root;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'sigrpc-node-readme-'));
  mkdirSync(join(root, 'node_modules'));
  symlinkSync(PACKAGE, join(root, 'node_modules', 'sigrpc'), 'dir');
});
after(() => rmSync(root, { recursive: true, force: true }));

describe('README examples', { timeout: 60_000, concurrency: 2 }, () => {
  test('there are examples of each part of the API', () => {
    assert.ok(EXAMPLES.length >= 8, `${EXAMPLES.length} examples`);
    assert.ok(EXAMPLES.filter((e) => e.output).length >= 5, 'outputs checked');
    const all = EXAMPLES.map((e) => e.code).join('\n');
    for (const api of ['client.process(', 'proc.stop(', 'proc.wait(', 'client.closed', 'rpcTimeout', 'await using', 'findHelper(', "require('sigrpc')"]) {
      assert.ok(all.includes(api), `no example uses ${api}`);
    }
  });

  test("the tsconfig.json shown is examples/ts's", () => {
    const readme = readFileSync(join(PACKAGE, 'README.md'), 'utf8');
    const shown = [...readme.matchAll(/^```jsonc\n([\s\S]*?)^```\n/gm)].map((m) => m[1]);
    assert.deepEqual(shown, [readFileSync(join(TS_EXAMPLE, 'tsconfig.json'), 'utf8')]);
  });

  for (const [i, example] of EXAMPLES.entries()) {
    test(`example ${i + 1}, README.md line ${example.line} (${example.lang})`, async (t) => {
      const base = join(root, `example-${i + 1}`);
      let code = example.code;
      if (example.lang === 'ts') {
        assert.equal(code, readFileSync(join(TS_EXAMPLE, 'index.ts'), 'utf8'), 'the TypeScript example is examples/ts/index.ts');
        code = ts.transpileModule(code, {
          compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
        }).outputText;
      }
      const file = example.lang === 'js' && code.includes('require(') ? `${base}.cjs` : `${base}.mjs`;
      if (file.endsWith('.cjs') && !(/** @type {{require_module?: boolean}} */ (process.features).require_module)) {
        return t.skip(`Node ${process.version} cannot require() ES modules (20.19+ and 22.12+ can)`);
      }
      writeFileSync(file, code);
      const r = await runNode(root, file);
      assert.equal(r.signal, null, `killed after 20 s; stdout: ${r.stdout}`);
      assert.equal(r.stderr, '', `stderr; stdout: ${r.stdout}`);
      assert.equal(r.code, 0);
      if (example.output) assert.match(r.stdout, example.output);
    });
  }
});
