// Shared by the tests: the helper binary under test, and children to signal.
//
// SAFETY: the tests run as root on a shared machine. They signal only
// children they start here (killed again in cleanup), the helpers their own
// clients spawn, and pid 2147483647, which no process can have (Linux pids
// stop at 2^22). Policy refusals are tested with pid -1 and the null signal.

import { spawn } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = dirname(fileURLToPath(import.meta.url));
/** clients/node */
export const PACKAGE = resolve(HERE, '..');
/** A pid no process can have. */
export const ABSENT_PID = 2147483647;

/** The helper: $SIGRPC_BIN, else ../../bin/sigrpc relative to clients/node. */
export const HELPER = process.env.SIGRPC_BIN
  ? resolve(process.env.SIGRPC_BIN)
  : resolve(PACKAGE, '../../bin/sigrpc');
try {
  accessSync(HELPER, constants.X_OK);
} catch {
  throw new Error(
    `no sigrpc helper at ${HELPER}: build it with \`make build\` (or \`go build -o bin/sigrpc ./cmd/sigrpc\` ` +
      'at the repository root), or set SIGRPC_BIN to its path',
  );
}
process.env.SIGRPC_BIN = HELPER;

/**
 * Run a file with this Node in `cwd`, with the helper under test as
 * $SIGRPC_BIN; resolve with its exit status and output. It is killed
 * after 20 s.
 * @param {string} cwd
 * @param {string} file
 * @returns {Promise<{code: number | null, signal: string | null, stdout: string, stderr: string}>}
 */
export function runNode(cwd, file) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], {
      cwd,
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

/** @type {Set<import('node:child_process').ChildProcess>} */
const children = new Set();

/**
 * Start a child (default `sleep 60`) that the tests may signal; killChildren() ends it.
 * Resolves once it is running.
 * @param {string[]} [argv]
 * @returns {Promise<import('node:child_process').ChildProcess & {pid: number}>}
 */
export async function startChild(argv = ['sleep', '60']) {
  const child = spawn(argv[0], argv.slice(1), { stdio: 'ignore' });
  children.add(child);
  child.once('exit', () => children.delete(child));
  await new Promise((ok, fail) => {
    child.once('spawn', ok);
    child.once('error', fail);
  });
  return /** @type {any} */ (child);
}

/**
 * Kill every child startChild() started that is still running, and its
 * descendants (processes it started: the shells' children in the tree
 * tests). A shell's children are killed first, so that it reaps them and
 * exits (an orphan left to pid 1 might never be reaped on this machine).
 */
export async function killChildren() {
  const running = [...children].filter((c) => c.exitCode === null && c.signalCode === null);
  children.clear();
  await Promise.all(
    running.map(async (child) => {
      const pid = /** @type {number} */ (child.pid);
      for (let round = 0; round < 20 && (stateOf(pid)?.children.length ?? 0) > 0; round++) {
        for (const leaf of leaves(pid)) {
          try {
            process.kill(leaf, 'SIGKILL');
          } catch {
            // gone already
          }
        }
        await sleep(25);
      }
      child.kill('SIGKILL');
      await exited(child);
    }),
  );
}

/**
 * The descendants of a process that have no children of their own, from /proc.
 * @param {number} pid
 * @returns {number[]}
 */
function leaves(pid) {
  /** @type {number[]} */
  const out = [];
  for (const kid of stateOf(pid)?.children ?? []) {
    if (stateOf(kid)?.state === 'Z') continue;
    const below = leaves(kid);
    out.push(...(below.length > 0 ? below : [kid]));
  }
  return out;
}

/**
 * How a child ended.
 * @param {import('node:child_process').ChildProcess} child
 * @returns {Promise<{code: number | null, signal: string | null}>}
 */
export function exited(child) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((ok) => child.once('exit', (code, signal) => ok({ code, signal })));
}

/**
 * Whether a process still exists (a zombie counts as gone), read from /proc
 * without signalling it. With `startTime`, only that incarnation of the pid.
 * @param {number} pid
 * @param {string} [startTime]
 */
export function alive(pid, startTime) {
  let stat;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return false;
  return startTime === undefined || fields[19] === startTime;
}

/**
 * What /proc says of a process, without signalling it; null if there is none.
 * `children` are its children's pids (threads' children included).
 * @param {number} pid
 * @returns {{state: string, comm: string, ppid: number, children: number[]} | null}
 */
export function stateOf(pid) {
  let stat;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  /** @type {number[]} */
  let kids = [];
  try {
    kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number);
  } catch {
    // gone, or a kernel without CONFIG_PROC_CHILDREN
  }
  return { state: fields[0], comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), ppid: Number(fields[1]), children: kids };
}

/** Start time (field 22 of /proc/<pid>/stat) of a live process. @param {number} pid */
export function startTimeOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

/** @param {number} ms */
export const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

/**
 * Poll `check` until it is true or `ms` pass; returns its last value.
 * @param {() => boolean} check
 * @param {number} ms
 */
export async function eventually(check, ms) {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await sleep(10);
  return check();
}
