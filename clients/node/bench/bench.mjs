// Throughput of the Node client: signum calls per second, one in flight and
// pipelined, against process.kill(pid, 0) in-process and spawning /bin/kill
// per call. With $SIGRPC_ECHO set to a pipe echo (`sigrpc-bench -fixture
// echo`), it also measures the pipe floor from Node: bare writes and 'data'
// events on the echo's pipes, one request in flight and 256 in flight, and
// shows each sigrpc row's time per call as a multiple of its floor's. The
// spawn row times Client.start() and the first answer (µs/call is then µs
// per spawn). A
// benchmark, not a test: `npm run bench`. The helper is $SIGRPC_BIN, else
// ../../bin/sigrpc (from clients/node), else sigrpc on PATH.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

import { Client } from '../index.js';

const BUILT = fileURLToPath(new URL('../../../bin/sigrpc', import.meta.url));
if (!process.env.SIGRPC_BIN && existsSync(BUILT)) process.env.SIGRPC_BIN = BUILT;

/**
 * Calls per second of `n` calls made by `fn`.
 * @param {number} n
 * @param {() => unknown} fn
 */
async function rate(n, fn) {
  const start = performance.now();
  await fn();
  return n / ((performance.now() - start) / 1000);
}

/** @param {Client} c @param {number} n */
async function oneInFlight(c, n) {
  for (let i = 0; i < n; i++) await c.signum('TERM');
}

/** n calls through `window` workers, each awaiting its answer before the next call. */
async function pipelined(/** @type {Client} */ c, /** @type {number} */ n, /** @type {number} */ window) {
  let left = n;
  const worker = async () => {
    while (left-- > 0) await c.signum('TERM');
  };
  await Promise.all(Array.from({ length: window }, worker));
}

/** n calls all at once. */
async function allAtOnce(/** @type {Client} */ c, /** @type {number} */ n) {
  const calls = new Array(n);
  for (let i = 0; i < n; i++) calls[i] = c.signum('TERM');
  await Promise.all(calls);
}

const REQUEST = Buffer.from('{"jsonrpc":"2.0","id":1,"method":"signum","params":["TERM"]}\n');

/**
 * Calls per second through a bare pipe echo, `depth` lines in flight.
 * @param {string} echo the sigrpc-bench binary
 * @param {number} n
 * @param {number} depth
 */
async function echoFloor(echo, n, depth) {
  const child = spawn(echo, ['-fixture', 'echo'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const burst = Buffer.concat(Array.from({ length: depth }, () => REQUEST));
  const rounds = Math.floor(n / depth);
  const start = performance.now();
  await new Promise((resolve) => {
    let done = 0;
    let want = burst.length;
    child.stdout.on('data', (/** @type {Buffer} */ chunk) => {
      want -= chunk.length;
      if (want > 0) return;
      if (++done === rounds) return resolve(undefined);
      want = burst.length;
      child.stdin.write(burst);
    });
    child.stdin.write(burst);
  });
  const elapsed = performance.now() - start;
  child.stdin.end();
  await new Promise((resolve) => child.on('close', resolve));
  return (rounds * depth) / (elapsed / 1000);
}

/** Spawns per second: start a helper, wait for its first answer, stop it (the stop untimed). */
async function spawnToFirst() {
  const start = performance.now();
  const c = await Client.start();
  await c.signum('TERM');
  const elapsed = performance.now() - start;
  await c.close();
  return 1000 / elapsed;
}

function processKill(/** @type {number} */ n) {
  const pid = process.pid;
  for (let i = 0; i < n; i++) process.kill(pid, 0);
}

function spawnKill(/** @type {number} */ n) {
  const pid = String(process.pid);
  for (let i = 0; i < n; i++) {
    const r = spawnSync('/bin/kill', ['-0', pid]);
    if (r.status !== 0) throw new Error(`/bin/kill failed: ${r.stderr}`);
  }
}

async function main() {
  const n = Number(process.env.BENCH_CALLS) || 200_000;
  const rounds = Number(process.env.BENCH_ROUNDS) || 3;
  const echo = process.env.SIGRPC_ECHO;
  const c = await Client.start();
  await pipelined(c, 20_000, 256); // warm up the JIT
  /** @type {[string, number, string][]} name, calls/s, kind: rows of a kind share a floor */
  const rows = [];
  /** The best of `rounds` rates `measure` returns: the machine is shared and noisy. */
  const bestRate = async (/** @type {string} */ name, /** @type {string} */ kind, /** @type {() => Promise<number>} */ measure) => {
    let top = 0;
    for (let i = 0; i < rounds; i++) top = Math.max(top, await measure());
    rows.push([name, top, kind]);
  };
  const best = (/** @type {string} */ name, /** @type {string} */ kind, /** @type {number} */ calls, /** @type {() => unknown} */ fn) =>
    bestRate(name, kind, () => rate(calls, fn));
  if (echo) {
    await bestRate('pipe echo one in flight (floor)', 'one', () => echoFloor(echo, 20_000, 1));
    await bestRate('pipe echo 256 in flight (floor)', 'many', () => echoFloor(echo, n, 256));
  }
  await best('sigrpc one in flight', 'one', 20_000, () => oneInFlight(c, 20_000));
  await best('sigrpc 16 in flight', 'many', n, () => pipelined(c, n, 16));
  await best('sigrpc 256 in flight', 'many', n, () => pipelined(c, n, 256));
  await best('sigrpc 1024 in flight', 'many', n, () => pipelined(c, n, 1024));
  await best('sigrpc 100k at once', 'many', 100_000, () => allAtOnce(c, 100_000));
  await c.close();
  await bestRate('spawn helper, first answer', '', spawnToFirst);
  await best('process.kill(pid, 0) in-process', '', 1_000_000, () => processKill(1_000_000));
  await best("spawnSync('/bin/kill', ['-0', pid])", '', 200, () => spawnKill(200));
  const inProcess = rows[rows.length - 2][1];
  const spawned = rows[rows.length - 1][1];
  /** @type {Map<string, number>} */
  const floors = new Map(rows.filter(([name]) => name.endsWith('(floor)')).map(([, r, kind]) => [kind, r]));
  console.log(`Node ${process.version}, best of ${rounds} rounds`);
  console.log(
    `${'what'.padEnd(38)} ${'calls/s'.padStart(12)} ${'µs/call'.padStart(9)} ${'vs process.kill'.padStart(16)} ${'vs /bin/kill'.padStart(13)} ${'vs floor'.padStart(9)}`,
  );
  for (const [name, r, kind] of rows) {
    const floor = floors.get(kind);
    const vsFloor = floor === undefined ? '—'.padStart(9) : `${(floor / r).toFixed(2).padStart(8)}x`;
    console.log(
      `${name.padEnd(38)} ${Math.round(r).toLocaleString('en-US').padStart(12)} ${(1e6 / r).toFixed(2).padStart(9)} ${(r / inProcess).toFixed(3).padStart(15)}x ${(r / spawned).toFixed(0).padStart(12)}x ${vsFloor}`,
    );
  }
}

await main();
