// The shared conformance vectors (rpc/testdata/conformance.json), run raw
// against the helper binary: message cases once per framing, raw cases once;
// each run twice, with input closed after the request (closed mode) and with
// input kept open until the expected answer has arrived (open mode: answers
// never wait for more input). A case with "needs_eof": true runs closed only;
// one with "open_only": true runs open only, and may answer more at the end.
// Every successful result in the output of a closed run is also held to its
// method's result schema from the helper's rpc.discover (./openrpc.js).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { HELPER } from './helpers.js';
import { resultSchemas } from './openrpc.js';

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

const HEADER = /Content-Length: *(\d+)\r\n\r\n/g;

/**
 * The message bodies of a stream in one framing (lsp: every well-formed frame).
 * @param {Buffer} data
 * @param {string} framing
 * @returns {Buffer[]}
 */
function bodies(data, framing) {
  if (framing !== 'lsp') {
    /** @type {Buffer[]} */
    const lines = [];
    for (let at = 0; at <= data.length; ) {
      const end = data.indexOf(10, at);
      lines.push(data.subarray(at, end === -1 ? data.length : end));
      at = end === -1 ? data.length + 1 : end + 1;
    }
    return lines;
  }
  const text = data.toString('latin1'); // one character per byte, so indexes are byte offsets
  return [...text.matchAll(HEADER)].map((m) => {
    const start = /** @type {number} */ (m.index) + m[0].length;
    return data.subarray(start, start + Number(m[1]));
  });
}

/**
 * The JSON-RPC messages in bodies, a batch counting as its members. A body
 * that is not JSON is an error with `strict`, else skipped (blank lines, the
 * vectors' deliberately broken input).
 * @param {Buffer[]} list
 * @param {boolean} strict
 * @returns {any[]}
 */
function messages(list, strict) {
  /** @type {any[]} */
  const out = [];
  for (const body of list) {
    let text = body.toString('utf8');
    if (strict && text.trim() === '') continue;
    if (!strict) text = text.replace(/^\uFEFF/, ''); // a request may start with a byte order mark
    let value;
    try {
      value = JSON.parse(text);
    } catch {
      assert.ok(!strict, `an answer that is not JSON: ${JSON.stringify(text)}`);
      continue;
    }
    out.push(...(Array.isArray(value) ? value : [value]));
  }
  return out;
}

/**
 * Each successful result in `output` with the method that made it: the
 * request with its id, or, where ids do not tell (an id echoed as U+FFFD),
 * the one method the input calls.
 * @param {string} framing
 * @param {Buffer} input
 * @param {Buffer} output
 * @returns {[string, unknown][]}
 */
function answered(framing, input, output) {
  let outputBodies;
  if (framing === 'auto') {
    // ndjson answers (to lines before detection) until lsp frames
    const start = output.toString('latin1').search(/Content-Length: *\d+\r\n\r\n/);
    const cut = start === -1 ? output.length : start;
    outputBodies = [...bodies(output.subarray(0, cut), 'ndjson'), ...bodies(output.subarray(cut), 'lsp')];
  } else {
    outputBodies = bodies(output, framing);
  }
  const requests = messages([...bodies(input, 'lsp'), ...bodies(input, 'ndjson')], false).filter(
    (m) => m !== null && typeof m === 'object' && typeof m.method === 'string',
  );
  /** @type {Map<string, Set<string>>} */
  const byId = new Map();
  for (const r of requests) {
    if (!('id' in r)) continue;
    const key = JSON.stringify(r.id);
    if (!byId.has(key)) byId.set(key, new Set());
    byId.get(key)?.add(r.method);
  }
  const called = new Set(requests.map((r) => r.method));
  /** @type {[string, unknown][]} */
  const out = [];
  for (const answer of messages(outputBodies, true)) {
    if (answer === null || typeof answer !== 'object' || !('result' in answer)) continue;
    const methods = byId.get(JSON.stringify(answer.id)) ?? called;
    assert.equal(methods.size, 1, `which method answered ${JSON.stringify(answer)}? one of ${[...methods]}`);
    out.push([[...methods][0], answer.result]);
  }
  return out;
}

const RUNS = runs();

test('the vectors hold results of several methods, which the schema check sees', () => {
  // test/results.test.js holds the other methods' real answers.
  const seen = new Set();
  for (const run of RUNS) {
    const framing = run.args[run.args.indexOf('--framing') + 1];
    for (const [method] of answered(framing, run.input, run.output)) seen.add(method);
  }
  for (const m of ['signum', 'signame', 'wait', ...(PLATFORM === 'linux' ? ['signals'] : [])]) assert.ok(seen.has(m), `no result of ${m}`);
});

test('conformance vectors, input closed', { timeout: 120_000, concurrency: 4 }, async (t) => {
  assert.ok(RUNS.length > 300, `only ${RUNS.length} runs`);
  await Promise.all(
    RUNS.map((run) =>
      t.test(run.name, { timeout: 20_000, skip: run.openOnly && 'open_only: the end of input answers more' }, async () => {
        const got = /** @type {any} */ (await runClosed(run.args, run.input));
        assert.equal(got.code, 0, `exit ${got.code} ${got.signal ?? ''}; stderr: ${got.stderr}`);
        assert.equal(got.stdout.toString('latin1'), run.output.toString('latin1'));
        assert.ok(got.stdout.equals(run.output));
        const framing = run.args[run.args.indexOf('--framing') + 1];
        const problems = answered(framing, run.input, got.stdout).flatMap(([method, result]) => resultSchemas().problems(method, result));
        assert.deepEqual(problems, [], problems.join('\n'));
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
