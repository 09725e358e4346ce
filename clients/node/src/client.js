// The client: spawns the sigrpc helper and talks ndjson JSON-RPC over its pipes.

import { spawn } from 'node:child_process';
import { accessSync, statSync, constants as fsConstants } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';

import {
  AbortError,
  HelperExitedError,
  TimeoutError,
  fromRPCError,
} from './errors.js';
import { LineSplitter } from './lines.js';

/** How much of the helper's stderr a HelperExitedError carries. */
const STDERR_TAIL_BYTES = 4096;
/** How long close() lets the helper drain and exit before killing it. */
const CLOSE_GRACE_MS = 2000;
/** How long start() waits for the helper's first answer (whatever the default timeout). */
const START_TIMEOUT_MS = 10_000;
/** After the helper exits, how long to wait for its stdout to close. */
const EXIT_DRAIN_MS = 250;
/** setTimeout's limit; longer timeouts mean no timeout. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

const asyncDispose = Symbol.asyncDispose ?? Symbol.for('nodejs.asyncDispose');

/**
 * @typedef {object} ClientOptions
 * @property {string} [command] path (or name on `PATH`) of the helper; default `$SIGRPC_BIN`, else `sigrpc` on `PATH`
 * @property {string[]} [args] extra helper flags, e.g. `['--descendants-only']`
 * @property {number} [timeout] default per-call timeout in milliseconds (0: none, the default)
 * @property {boolean} [unref] do not keep the event loop alive while no call is pending
 */

/**
 * @typedef {object} CallOptions
 * @property {number} [timeout] reject with `ERR_SIGRPC_TIMEOUT` after this many milliseconds (0: none)
 * @property {AbortSignal} [signal] reject with an `AbortError` when this signal aborts
 */

/** @typedef {string | number} SignalLike a signal name (`'TERM'`, `'SIGTERM'`, `'term'`) or number */

/**
 * Find the helper to run: `command`, else `$SIGRPC_BIN`, else the helper in the
 * installed platform package `@sigrpc/<platform>-<arch>`, else `sigrpc` on `PATH`.
 *
 * @param {string} [command] explicit path or name
 * @returns {string} the executable's path
 * @throws {Error} `code: 'ENOENT'` naming everything tried
 */
export function findHelper(command) {
  /** @type {string[]} */
  const tried = [];
  if (command !== undefined && command !== null) {
    const found = command.includes('/') ? (isExecutable(command) ? command : null) : which(command);
    if (found) return found;
    tried.push(`command option ${JSON.stringify(command)} (not an executable)`);
  } else {
    const env = process.env.SIGRPC_BIN;
    if (env) {
      if (isExecutable(env)) return env;
      tried.push(`$SIGRPC_BIN=${JSON.stringify(env)} (not an executable)`);
    } else {
      tried.push('$SIGRPC_BIN (not set)');
    }
    const bundled = bundledHelper();
    if (bundled) return bundled;
    const found = which('sigrpc');
    if (found) return found;
    tried.push("'sigrpc' on PATH (not found)");
  }
  const err = /** @type {Error & {code: string, errno: number, syscall: string, tried: string[]}} */ (
    new Error(`sigrpc helper not found; tried ${tried.join(', ')}`)
  );
  err.code = 'ENOENT';
  err.errno = -2;
  err.syscall = 'spawn';
  err.tried = tried;
  throw err;
}

/** The helper in the platform package `@sigrpc/<platform>-<arch>` (an optional dependency), if installed. */
function bundledHelper() {
  try {
    const manifest = createRequire(import.meta.url).resolve(`@sigrpc/${process.platform}-${process.arch}/package.json`);
    const path = join(dirname(manifest), 'bin', 'sigrpc');
    return isExecutable(path) ? path : null;
  } catch {
    return null;
  }
}

/** @param {string} path */
function isExecutable(path) {
  try {
    accessSync(path, fsConstants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** @param {string} name */
function which(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const path = join(dir || '.', name);
    if (isExecutable(path)) return path;
  }
  return null;
}

/** One call waiting for its answer. */
class Pending {
  /**
   * @param {string} method
   * @param {(value: any) => void} resolve
   * @param {(reason: Error) => void} reject
   */
  constructor(method, resolve, reject) {
    this.method = method;
    this.resolve = resolve;
    this.reject = reject;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.timer = undefined;
    /** @type {AbortSignal | undefined} */
    this.signal = undefined;
    /** @type {(() => void) | undefined} */
    this.onAbort = undefined;
  }
}

/**
 * A connection to one sigrpc helper process. Every method returns a Promise;
 * any number of calls may be in flight at once.
 *
 * ```js
 * await using client = await Client.start();
 * await client.kill(child.pid, 'SIGTERM');
 * ```
 */
export class Client {
  /**
   * Spawn the helper. Calls may be made at once; use {@link Client.start}
   * to wait until the helper has answered a first request.
   *
   * @param {ClientOptions} [options]
   * @throws {Error} `code: 'ENOENT'` if no helper can be found (the message says what was tried)
   */
  constructor(options = {}) {
    const command = findHelper(options.command);
    const args = [...(options.args ?? []), '--framing', 'ndjson'];
    /** @private */
    this._timeout = checkTimeout(options.timeout ?? 0);
    /** @internal @type {Map<number, Pending>} */
    this._pending = new Map();
    /** @private */
    this._lastId = 0;
    /** @private ndjson requests waiting for the next flush */
    this._out = '';
    /** @private */
    this._flushQueued = false;
    /** @private stdin is over its high-water mark: wait for 'drain' */
    this._blocked = false;
    /** @private unref mode: hold the event loop only while calls are pending */
    this._weak = false;
    /** @private close() was called */
    this._closed = false;
    /** @private @type {Promise<void> | null} */
    this._closing = null;
    /** @private @type {() => void} */
    this._closedResolve = () => {};
    /** @private @type {{exitCode: number | null, signal: string | null, stderr: string, cause?: unknown} | null} set once the helper is gone */
    this._gone = null;
    /** @private @type {{code: number | null, signal: string | null} | null} */
    this._exit = null;
    /** @private @type {unknown} why the helper is gone, if not by itself */
    this._cause = undefined;
    /** @private @type {Buffer[]} */
    this._stderr = [];
    /** @private */
    this._stderrSize = 0;
    /** @private @type {ReturnType<typeof setTimeout> | undefined} */
    this._killTimer = undefined;
    /** @private @type {ReturnType<typeof setTimeout> | undefined} */
    this._drainTimer = undefined;

    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    /** @private */
    this._child = child;
    /** @private */
    this._stdin = /** @type {import('node:net').Socket} */ (child.stdin);
    /** @private */
    this._stdout = /** @type {import('node:net').Socket} */ (child.stdout);
    /** @private */
    this._stderrStream = /** @type {import('node:net').Socket} */ (child.stderr);

    const splitter = new LineSplitter((line) => this._onLine(line));
    this._stdout.on('data', (chunk) => splitter.push(chunk));
    this._stdout.on('error', () => {});
    this._stdin.on('error', () => {}); // EPIPE once the helper is gone; 'exit' reports it
    this._stderrStream.on('data', (chunk) => this._onStderr(chunk));
    this._stderrStream.on('error', () => {});
    /** @private */
    this._onDrain = () => {
      this._blocked = false;
      this._flush();
    };

    /** @private @type {Promise<void>} */
    this._spawned = new Promise((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    this._spawned.catch(() => {});
    child.on('error', (err) => {
      this._cause ??= err;
      this._fail();
    });
    child.on('exit', (code, signal) => {
      this._exit = { code, signal };
      clearTimeout(this._killTimer);
      // 'close' follows once stdout is read to its end; this is the fallback
      // should something else hold the pipe open.
      this._drainTimer = setTimeout(() => this._fail(), EXIT_DRAIN_MS);
    });
    child.on('close', () => this._fail());

    if (options.unref) this.unref();
  }

  /**
   * Spawn the helper and wait (up to 10 s, whatever the `timeout` option)
   * until it has answered a first request, so that a helper that cannot
   * serve (bad `args`, not executable) rejects here.
   *
   * @param {ClientOptions} [options]
   * @returns {Promise<Client>}
   */
  static async start(options) {
    const client = new Client(options);
    try {
      await client._spawned;
      await client.signum(0, { timeout: START_TIMEOUT_MS });
    } catch (err) {
      await client.close();
      throw err;
    }
    return client;
  }

  /** The helper's process id (undefined if it failed to start). @returns {number | undefined} */
  get pid() {
    return this._child.pid;
  }

  /**
   * Send any request; resolves with its raw `result`.
   *
   * @param {string} method e.g. `'signum'`, `'rpc.discover'`
   * @param {unknown[] | Record<string, unknown>} [params] positional (array) or named (object)
   * @param {CallOptions} [options]
   * @returns {Promise<unknown>}
   */
  call(method, params, options) {
    if (typeof method !== 'string') return Promise.reject(invalidArgType('method', 'a string', method));
    let body = '';
    if (params !== undefined && params !== null) {
      if (typeof params !== 'object') {
        return Promise.reject(invalidArgType('params', 'an array or an object', params));
      }
      try {
        body = ',"params":' + JSON.stringify(params);
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return this._request(method, JSON.stringify(method), body, options);
  }

  /**
   * The number of a signal name, or `null` if unknown; a number comes back unchanged.
   *
   * @param {SignalLike} name `'TERM'`, `'SIGTERM'`, `'term'`, `'RTMIN+1'`, or a number
   * @param {CallOptions} [options]
   * @returns {Promise<number | null>}
   */
  signum(name, options) {
    if (typeof name !== 'string' && typeof name !== 'number') {
      return Promise.reject(invalidArgType('name', 'a string or a number', name));
    }
    return this._request('signum', '"signum"', ',"params":[' + JSON.stringify(name) + ']', options);
  }

  /**
   * Send a signal, as `process.kill(pid, signal)` does; resolves `true`.
   *
   * @param {number} pid the process (groups, -1 and the helper itself are refused by policy)
   * @param {SignalLike} [signal] default `'TERM'`; `0` or `'NONE'` checks that the process exists
   * @param {CallOptions & {startTime?: string}} [options] `startTime` (from {@link Client#inspect}): send only if the process still has it
   * @returns {Promise<true>}
   */
  kill(pid, signal = 'TERM', options) {
    if (typeof signal !== 'string' && typeof signal !== 'number') {
      return Promise.reject(invalidArgType('signal', 'a string or a number', signal));
    }
    /** @type {Record<string, unknown>} */
    const params = { pid, signal };
    if (options?.startTime !== undefined) params.start_time = options.startTime;
    return /** @type {Promise<true>} */ (this._named('kill', params, options));
  }

  /**
   * Every signal name the platform knows (no `SIG` prefix, no real-time names) with its number.
   *
   * @param {CallOptions} [options]
   * @returns {Promise<Record<string, number>>}
   */
  signals(options) {
    return /** @type {Promise<Record<string, number>>} */ (
      this._request('signals', '"signals"', '', options)
    );
  }

  /**
   * The canonical name of a signal number (`15` → `'TERM'`), or `null`.
   *
   * @param {number} number the signal number
   * @param {CallOptions & {exitStatus?: boolean}} [options] `exitStatus: true` also reads a shell exit status 128+n (`143` → `'TERM'`)
   * @returns {Promise<string | null>}
   */
  signame(number, options) {
    /** @type {Record<string, unknown>} */
    const params = { number };
    if (options?.exitStatus !== undefined) params.exit_status = options.exitStatus;
    return /** @type {Promise<string | null>} */ (this._named('signame', params, options));
  }

  /**
   * What the system reports about a process (Linux only).
   *
   * @param {number} pid
   * @param {CallOptions} [options]
   * @returns {Promise<ProcessInfo>}
   */
  inspect(pid, options) {
    return this._named('inspect', { pid }, options).then(toProcessInfo);
  }

  /**
   * Wait until the process has terminated (a zombie counts), at most `ms`
   * milliseconds; resolves `true` if it has. Works for any process, not only
   * children. `ms = 0` checks once.
   *
   * @param {number} pid
   * @param {number} [ms] how long the helper waits, default 0
   * @param {CallOptions} [options]
   * @returns {Promise<boolean>}
   */
  wait(pid, ms = 0, options) {
    return this._named('wait', { pid, timeout_ms: ms }, options).then(toExited);
  }

  /**
   * Send `signal`, wait up to `grace` ms for the process to go; if it has
   * not, send `escalate` (unless `null`) and wait up to `escalateGrace` ms.
   * On Linux both signals go through one pidfd, so the escalation cannot hit
   * a process that reused the pid.
   *
   * @param {number} pid
   * @param {SignalLike} [signal] default `'TERM'`
   * @param {CallOptions & TerminateOptions} [options]
   * @returns {Promise<Termination>}
   */
  terminate(pid, signal = 'TERM', options) {
    if (typeof signal !== 'string' && typeof signal !== 'number') {
      return Promise.reject(invalidArgType('signal', 'a string or a number', signal));
    }
    const escalate = options?.escalate;
    if (escalate !== undefined && escalate !== null && typeof escalate !== 'string' && typeof escalate !== 'number') {
      return Promise.reject(invalidArgType('escalate', 'a string, a number or null', escalate));
    }
    /** @type {Record<string, unknown>} */
    const params = { pid, signal };
    if (options) {
      if (options.grace !== undefined) params.timeout_ms = options.grace;
      if (escalate !== undefined) params.escalate = escalate;
      if (options.escalateGrace !== undefined) params.escalate_timeout_ms = options.escalateGrace;
      if (options.startTime !== undefined) params.start_time = options.startTime;
    }
    return this._named('terminate', params, options).then(toTermination);
  }

  /**
   * Close the helper's stdin and wait for it to exit: calls already made are
   * still answered, later calls reject with `ERR_SIGRPC_HELPER_EXITED`. The
   * helper is killed if it has not exited after 2 s. Idempotent; never rejects.
   *
   * @returns {Promise<void>}
   */
  close() {
    if (this._closing) return this._closing;
    this._closed = true;
    this._closing = new Promise((resolve) => {
      this._closedResolve = resolve;
    });
    if (this._gone) {
      this._closedResolve();
    } else {
      if (this._out !== '') this._stdin.write(this._out);
      this._out = '';
      this._stdin.end();
      this._killTimer = setTimeout(() => this._child.kill('SIGKILL'), CLOSE_GRACE_MS);
      this._killTimer.unref();
    }
    return this._closing;
  }

  /** Same as {@link Client#close}, for `await using`. @returns {Promise<void>} */
  [asyncDispose]() {
    return this.close();
  }

  /**
   * Let the event loop exit while no call is pending, even if the client is
   * never closed (the helper exits with this process). Calls still pending
   * hold the loop until they settle.
   *
   * @returns {this}
   */
  unref() {
    this._weak = true;
    this._stdin.unref();
    this._stderrStream.unref();
    if (this._pending.size === 0) this._release();
    return this;
  }

  /** Undo {@link Client#unref}: the helper keeps the event loop alive until closed. @returns {this} */
  ref() {
    this._weak = false;
    this._stdin.ref();
    this._stderrStream.ref();
    this._hold();
    return this;
  }

  /** @private */
  _hold() {
    this._child.ref();
    this._stdout.ref();
  }

  /** @private */
  _release() {
    this._child.unref();
    this._stdout.unref();
  }

  /**
   * @private
   * @param {string} method
   * @param {Record<string, unknown>} params
   * @param {CallOptions | undefined} options
   * @returns {Promise<any>}
   */
  _named(method, params, options) {
    return this._request(method, '"' + method + '"', ',"params":' + JSON.stringify(params), options);
  }

  /**
   * The hot path: queue one request line and return its Promise.
   *
   * @private
   * @param {string} method
   * @param {string} methodJSON the method as a JSON string
   * @param {string} paramsMember `,"params":...` or empty
   * @param {CallOptions | undefined} options
   * @returns {Promise<any>}
   */
  _request(method, methodJSON, paramsMember, options) {
    if (this._closed || this._gone) return Promise.reject(this._goneError());
    let timeout = this._timeout;
    /** @type {AbortSignal | undefined} */
    let signal;
    if (options !== undefined && options !== null) {
      if (options.timeout !== undefined) {
        try {
          timeout = checkTimeout(options.timeout);
        } catch (err) {
          return Promise.reject(err);
        }
      }
      signal = options.signal ?? undefined;
      if (signal && signal.aborted) return Promise.reject(new AbortError(signal.reason));
    }
    const id = ++this._lastId;
    const line = '{"jsonrpc":"2.0","id":' + id + ',"method":' + methodJSON + paramsMember + '}\n';
    return new Promise((resolve, reject) => {
      const call = new Pending(method, resolve, reject);
      this._pending.set(id, call);
      if (timeout > 0) call.timer = setTimeout(onTimeout, timeout, this, id, timeout);
      if (signal) {
        call.signal = signal;
        call.onAbort = () => this._take(id)?.reject(new AbortError(signal.reason));
        signal.addEventListener('abort', call.onAbort, { once: true });
      }
      if (this._weak && this._pending.size === 1) this._hold();
      this._out += line;
      if (!this._flushQueued) {
        this._flushQueued = true;
        process.nextTick(flush, this);
      }
    });
  }

  /** @internal Write every queued request with one write. */
  _flush() {
    this._flushQueued = false;
    if (this._out === '' || this._blocked || this._closed) return;
    const out = this._out;
    this._out = '';
    if (!this._stdin.write(out)) {
      this._blocked = true;
      this._stdin.once('drain', this._onDrain);
    }
  }

  /**
   * @private
   * @param {string} line one response
   */
  _onLine(line) {
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      msg = null;
    }
    if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
      this._cause ??= new Error(`sigrpc helper wrote an invalid response: ${line.slice(0, 200)}`);
      this._child.kill('SIGKILL');
      return;
    }
    const call = this._take(msg.id);
    if (call === undefined) return; // timed out or aborted: the late answer is dropped
    if (msg.error === undefined) call.resolve(msg.result);
    else call.reject(fromRPCError(msg.error ?? {}, call.method));
  }

  /**
   * Remove a pending call, with its timer and abort listener.
   *
   * @internal
   * @param {number} id
   * @returns {Pending | undefined}
   */
  _take(id) {
    const call = this._pending.get(id);
    if (call === undefined) return undefined;
    this._pending.delete(id);
    disarm(call);
    if (this._weak && this._pending.size === 0) this._release();
    return call;
  }

  /**
   * @private
   * @param {Buffer} chunk
   */
  _onStderr(chunk) {
    this._stderr.push(chunk);
    this._stderrSize += chunk.length;
    while (this._stderrSize - this._stderr[0].length >= STDERR_TAIL_BYTES) {
      this._stderrSize -= /** @type {Buffer} */ (this._stderr.shift()).length;
    }
  }

  /** @private The helper is gone: reject every pending call, now and later. */
  _fail() {
    if (this._gone) return;
    clearTimeout(this._drainTimer);
    clearTimeout(this._killTimer);
    const tail = Buffer.concat(this._stderr, this._stderrSize);
    this._gone = {
      exitCode: this._exit ? this._exit.code : null,
      signal: this._exit ? this._exit.signal : null,
      stderr: tail.subarray(Math.max(0, tail.length - STDERR_TAIL_BYTES)).toString('utf8'),
      cause: this._cause,
    };
    this._stdout.destroy();
    this._stderrStream.destroy();
    this._stdin.destroy();
    const pending = [...this._pending.values()];
    this._pending.clear();
    for (const call of pending) {
      disarm(call);
      call.reject(this._goneError());
    }
    this._closedResolve();
  }

  /** @private @returns {HelperExitedError} */
  _goneError() {
    const gone = this._gone;
    if (!gone) return new HelperExitedError('sigrpc client is closed');
    let message;
    if (gone.cause instanceof Error && this._exit === null) {
      message = `sigrpc helper failed: ${gone.cause.message}`;
    } else if (this._closed && gone.exitCode === 0) {
      message = 'sigrpc client is closed';
    } else {
      message = `sigrpc helper exited (${gone.signal ? `killed by ${gone.signal}` : `exit code ${gone.exitCode}`})`;
      if (gone.cause instanceof Error) message += `: ${gone.cause.message}`;
      const last = gone.stderr.trimEnd().split('\n').pop();
      if (last) message += `; stderr: ${last}`;
    }
    return new HelperExitedError(message, gone);
  }
}

/**
 * @param {Client} client
 * @param {number} id
 * @param {number} timeout
 */
function onTimeout(client, id, timeout) {
  const call = client._take(id);
  if (call) call.reject(new TimeoutError(call.method, timeout));
}

/** @param {Pending} call */
function disarm(call) {
  if (call.timer !== undefined) clearTimeout(call.timer);
  if (call.signal !== undefined) call.signal.removeEventListener('abort', /** @type {() => void} */ (call.onAbort));
}

/** @param {Client} client */
function flush(client) {
  client._flush();
}

/**
 * @param {unknown} timeout
 * @returns {number} 0 for none
 */
function checkTimeout(timeout) {
  if (typeof timeout !== 'number' || !(timeout >= 0)) {
    const err = /** @type {RangeError & {code: string}} */ (
      new RangeError(`The "timeout" option must be a number >= 0 (milliseconds). Received ${String(timeout)}`)
    );
    err.code = 'ERR_OUT_OF_RANGE';
    throw err;
  }
  return timeout > MAX_TIMEOUT_MS ? 0 : timeout;
}

/**
 * @param {string} name
 * @param {string} expected
 * @param {unknown} actual
 */
function invalidArgType(name, expected, actual) {
  const err = /** @type {TypeError & {code: string}} */ (
    new TypeError(`The "${name}" argument must be ${expected}. Received ${actual === null ? 'null' : typeof actual}`)
  );
  err.code = 'ERR_INVALID_ARG_TYPE';
  return err;
}

/**
 * @typedef {object} ProcessInfo
 * @property {number} pid
 * @property {number} ppid
 * @property {number} pgid
 * @property {number} sid
 * @property {number} uid real uid
 * @property {string} state e.g. `'S'`, `'Z'`
 * @property {string} comm
 * @property {string} startTime field 22 of `/proc/<pid>/stat`; pass it to `kill` and `terminate`
 */

/**
 * @typedef {object} TerminateOptions
 * @property {number} [grace] ms to wait after `signal`, default 5000
 * @property {SignalLike | null} [escalate] sent if the process is still there, default `'KILL'`; `null`: never
 * @property {number} [escalateGrace] ms to wait after `escalate`, default 1000
 * @property {string} [startTime] act only if the process still has this start time
 */

/**
 * @typedef {object} Termination
 * @property {boolean} exited
 * @property {boolean} escalated
 * @property {number} elapsedMs
 */

/**
 * @param {any} r
 * @returns {ProcessInfo}
 */
function toProcessInfo(r) {
  return {
    pid: r.pid,
    ppid: r.ppid,
    pgid: r.pgid,
    sid: r.sid,
    uid: r.uid,
    state: r.state,
    comm: r.comm,
    startTime: r.start_time,
  };
}

/**
 * @param {any} r
 * @returns {boolean}
 */
function toExited(r) {
  return r.exited === true;
}

/**
 * @param {any} r
 * @returns {Termination}
 */
function toTermination(r) {
  return { exited: r.exited, escalated: r.escalated, elapsedMs: r.elapsed_ms };
}
