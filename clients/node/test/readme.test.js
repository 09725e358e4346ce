// Every code example in README.md (its ```js and ```ts blocks) runs on this
// Node, importing 'sigrpc' as a user would: from a temporary directory whose
// node_modules/sigrpc links to this package. A ```ts block is type-checked
// against the package's declarations first, then compiled by TypeScript (as
// a user on Node 20 would, `await using` included) and run. An example must
// exit 0 with nothing on stderr; a block followed by an HTML comment
// `<!-- output: ... -->` must print those lines (… stands for anything).
//
// SAFETY: the examples signal only the children they spawn themselves, and
// ask the helper to signal itself (refused by its policy).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import ts from 'typescript';

import { HELPER, PACKAGE } from './helpers.js';

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

/**
 * Type-check a TypeScript example as an ES module against the package's declarations.
 * @param {string} file an .mts file under root
 */
function typeCheck(file) {
  const program = ts.createProgram([file], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts', 'lib.esnext.disposable.d.ts'],
    types: ['node'],
    typeRoots: [join(PACKAGE, 'node_modules', '@types')],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  assert.equal(ts.formatDiagnostics(diagnostics, ts.createCompilerHost({})), '', 'the example type-checks');
}

/**
 * Run an ES module; resolve with its exit status and output.
 * @param {string} file
 * @returns {Promise<{code: number | null, signal: string | null, stdout: string, stderr: string}>}
 */
function run(file) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], {
      cwd: root,
      env: { ...process.env, SIGRPC_BIN: HELPER },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('README examples', { timeout: 60_000, concurrency: 2 }, () => {
  test('there are examples of each part of the API', () => {
    assert.ok(EXAMPLES.length >= 8, `${EXAMPLES.length} examples`);
    assert.ok(EXAMPLES.filter((e) => e.output).length >= 5, 'outputs checked');
    const all = EXAMPLES.map((e) => e.code).join('\n');
    for (const api of ['client.process(', 'proc.stop(', 'proc.wait(', 'client.closed', 'rpcTimeout', 'await using', 'findHelper(']) {
      assert.ok(all.includes(api), `no example uses ${api}`);
    }
  });

  for (const [i, example] of EXAMPLES.entries()) {
    test(`example ${i + 1}, README.md line ${example.line} (${example.lang})`, async () => {
      const base = join(root, `example-${i + 1}`);
      let code = example.code;
      if (example.lang === 'ts') {
        writeFileSync(`${base}.mts`, code);
        typeCheck(`${base}.mts`);
        code = ts.transpileModule(code, {
          compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
        }).outputText;
      }
      writeFileSync(`${base}.mjs`, code);
      const r = await run(`${base}.mjs`);
      assert.equal(r.signal, null, `killed after 20 s; stdout: ${r.stdout}`);
      assert.equal(r.stderr, '', `stderr; stdout: ${r.stdout}`);
      assert.equal(r.code, 0);
      if (example.output) assert.match(r.stdout, example.output);
    });
  }
});
