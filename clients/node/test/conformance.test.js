// The shared conformance vectors (rpc/testdata/conformance.json), run raw
// against the helper binary: message cases once per framing, raw cases once;
// each run twice, with input closed after the request (closed mode) and with
// input kept open until the expected answer has arrived (open mode: answers
// never wait for more input). A case with "needs_eof": true runs closed only;
// one with "open_only": true runs open only, and may answer more at the end.

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

/** @typedef {{name: string, raw: boolean, args: string[], input: Buffer, output: Buffer, needsEOF: boolean, openOnly: boolean}} Run */

/** @returns {Run[]} */
function runs() {
  const { cases } = JSON.parse(readFileSync(VECTORS, 'utf8'));
  const out = [];
  for (const c of cases) {
    if (c.platform !== undefined && c.platform !== PLATFORM) continue;
    const flags = c.flags ?? [];
    if (c.framing !== undefined) {
      out.push({
        name: c.name,
        raw: true,
        args: ['--framing', c.framing, ...flags],
        input: Buffer.from(c.input, 'utf8'),
        output: Buffer.from(c.output, 'utf8'),
        needsEOF: c.needs_eof === true,
        openOnly: c.open_only === true,
      });
      continue;
    }
    for (const framing of /** @type {const} */ (['ndjson', 'lsp'])) {
      out.push({
        name: `${c.name} [${framing}]`,
        raw: false,
        args: ['--framing', framing, ...flags],
        input: frame(framing, c.requests),
        output: frame(framing, c.responses),
        needsEOF: c.needs_eof === true,
        openOnly: c.open_only === true,
      });
    }
  }
  return out;
}

/**
 * Closed mode: run the helper on input, closing its stdin after it; resolve
 * with its stdout, stderr and exit status.
 * @param {string[]} args
 * @param {Buffer} input
 */
function runClosed(args, input) {
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

/** How long open mode waits for the expected bytes with stdin still open. */
const OPEN_WAIT_MS = 2000;

/**
 * Open mode: write the input and keep stdin open; read stdout until
 * `expected` bytes have arrived or OPEN_WAIT_MS pass (`answered`: what had
 * arrived then). Then end stdin and read to the end (`after`: any further
 * output), with the exit status.
 * @param {string[]} args
 * @param {Buffer} input
 * @param {number} expected
 */
function runOpen(args, input, expected) {
  return new Promise((resolve, reject) => {
    const child = spawn(HELPER, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    /** @type {Buffer[]} */
    let out = [];
    let size = 0;
    /** @type {Buffer | null} */
    let answered = null;
    /** @type {Buffer[]} */
    const err = [];
    const endInput = () => {
      if (answered !== null) return;
      clearTimeout(openTimer);
      answered = Buffer.concat(out, size);
      out = [];
      child.stdin.end();
    };
    child.stdout.on('data', (/** @type {Buffer} */ c) => {
      out.push(c);
      size += c.length;
      if (answered === null && size >= expected) endInput();
    });
    child.stderr.on('data', (c) => err.push(c));
    child.on('error', reject);
    const openTimer = setTimeout(endInput, OPEN_WAIT_MS);
    const killTimer = setTimeout(() => child.kill('SIGKILL'), OPEN_WAIT_MS + 10_000);
    child.on('close', (code, signal) => {
      clearTimeout(openTimer);
      clearTimeout(killTimer);
      const before = answered ?? Buffer.concat(out);
      resolve({ answered: before, after: answered === null ? Buffer.alloc(0) : Buffer.concat(out), stderr: Buffer.concat(err).toString(), code, signal });
    });
    child.stdin.on('error', () => {});
    child.stdin.write(input);
    if (expected === 0) endInput();
  });
}

const RUNS = runs();

test('conformance vectors, input closed', { timeout: 120_000, concurrency: 4 }, async (t) => {
  assert.ok(RUNS.length > 300, `only ${RUNS.length} runs`);
  await Promise.all(
    RUNS.map((run) =>
      t.test(run.name, { timeout: 20_000, skip: run.openOnly && 'open_only: the end of input answers more' }, async () => {
        const got = /** @type {any} */ (await runClosed(run.args, run.input));
        assert.equal(got.code, 0, `exit ${got.code} ${got.signal ?? ''}; stderr: ${got.stderr}`);
        assert.equal(got.stdout.toString('latin1'), run.output.toString('latin1'));
        assert.ok(got.stdout.equals(run.output));
      }),
    ),
  );
});

test('conformance vectors, input kept open', { timeout: 120_000, concurrency: 8 }, async (t) => {
  await Promise.all(
    RUNS.map((run) => {
      if (run.needsEOF) return t.test(run.name, { skip: 'needs_eof: answered only at the end of input' });
      return t.test(run.name, { timeout: 20_000 }, async () => {
        const got = /** @type {any} */ (await runOpen(run.args, run.input, run.output.length));
        assert.equal(
          got.answered.toString('latin1'),
          run.output.toString('latin1'),
          `with stdin open, within ${OPEN_WAIT_MS} ms`,
        );
        if (!run.openOnly) assert.equal(got.after.toString('latin1'), '', 'no further output once stdin ends');
        assert.equal(got.code, 0, `exit ${got.code} ${got.signal ?? ''}; stderr: ${got.stderr}`);
      });
    }),
  );
});
