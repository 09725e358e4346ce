// The shared conformance vectors (rpc/testdata/conformance.json), run raw
// against the helper binary: message cases once per framing, raw cases once.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { HELPER } from './helpers.js';

const VECTORS = new URL('../../../rpc/testdata/conformance.json', import.meta.url);
const PLATFORM = process.platform; // Go's GOOS for linux, darwin, freebsd, openbsd, netbsd

/** @param {'ndjson' | 'lsp'} framing @param {string[]} bodies */
function frame(framing, bodies) {
  return Buffer.concat(
    bodies.map((body) => {
      const data = Buffer.from(body, 'utf8');
      return framing === 'lsp'
        ? Buffer.concat([Buffer.from(`Content-Length: ${data.length}\r\n\r\n`), data])
        : Buffer.concat([data, Buffer.from('\n')]);
    }),
  );
}

/** @returns {{name: string, args: string[], input: Buffer, output: Buffer}[]} */
function runs() {
  const { cases } = JSON.parse(readFileSync(VECTORS, 'utf8'));
  const out = [];
  for (const c of cases) {
    if (c.platform !== undefined && c.platform !== PLATFORM) continue;
    if (c.open_only) continue; // run with stdin kept open (the Go suite)
    const flags = c.flags ?? [];
    if (c.framing !== undefined) {
      out.push({
        name: c.name,
        args: ['--framing', c.framing, ...flags],
        input: Buffer.from(c.input, 'utf8'),
        output: Buffer.from(c.output, 'utf8'),
      });
      continue;
    }
    for (const framing of /** @type {const} */ (['ndjson', 'lsp'])) {
      out.push({
        name: `${c.name} [${framing}]`,
        args: ['--framing', framing, ...flags],
        input: frame(framing, c.requests),
        output: frame(framing, c.responses),
      });
    }
  }
  return out;
}

/**
 * Run the helper on input; resolve with its stdout, stderr and exit code.
 * @param {string[]} args
 * @param {Buffer} input
 */
function runHelper(args, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(HELPER, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    /** @type {Buffer[]} */
    const out = [];
    /** @type {Buffer[]} */
    const err = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    child.on('error', reject);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString(), code, signal });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

const RUNS = runs();

test('conformance vectors', { timeout: 120_000, concurrency: 4 }, async (t) => {
  assert.ok(RUNS.length > 300, `only ${RUNS.length} runs`);
  await Promise.all(
    RUNS.map((run) =>
      t.test(run.name, { timeout: 20_000 }, async () => {
        const got = /** @type {any} */ (await runHelper(run.args, run.input));
        assert.equal(got.code, 0, `exit ${got.code} ${got.signal ?? ''}; stderr: ${got.stderr}`);
        assert.equal(got.stdout.toString('latin1'), run.output.toString('latin1'));
        assert.ok(got.stdout.equals(run.output));
      }),
    ),
  );
});
