// The client: spawns the sigrpc helper and talks ndjson JSON-RPC over its pipes.
//
// The reference below is kept in types/src/client.d.ts (preserve), so that
// a program using the declarations has AsyncDisposable and
// Symbol.asyncDispose (`await using`) whatever its own lib setting: the
// defaults of TypeScript 7 leave them out.
/// <reference lib="esnext.disposable" preserve="true" />

import { spawn } from 'node:child_process';

import { CALLS, MAX_WAIT_MS, abortSignalArg, optionsArg, rpcTimeoutArg, writeParams } from './calls.js';
import { AbortError, HelperExitedError, TimeoutError, fromRPCError, invalidArgType } from './errors.js';
import { findHelper } from './find.js';
import { LineSplitter } from './lines.js';
import { Process } from './process.js';

/** How much of the helper's stderr a HelperExitedError carries. */
const STDERR_TAIL_BYTES = 4096;
/** How long close() lets the helper exit before killing it. */
const CLOSE_GRACE_MS = 2000;
/** How long start() waits for the helper's first answer (whatever the rpcTimeout option). */
const START_TIMEOUT_MS = 10_000;
/** After the helper exits, how long to wait for its stdout to close. */
const EXIT_DRAIN_MS = 250;
/** setTimeout's limit; a longer rpcTimeout means none. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * @typedef {object} ClientOptions Options of `new Client()` and `Client.start()`.
 * @property {string | undefined} [command] path (or name on `PATH`) of the helper; default: `$SIGRPC_BIN`,
 *   else the helper in the platform package (`@sigrpc/<platform>-<arch>`), else `sigrpc` on `PATH`
 * @property {readonly string[] | undefined} [args] extra helper flags, e.g. `['--descendants-only']`
 *   (passed as `--descendants-of=<this process's pid>`)
 * @property {number | undefined} [rpcTimeout] default deadline of every call, in milliseconds (0, the default: none)
 * @property {boolean | undefined} [unref] do not keep the event loop alive while no call is pending
 */

/**
 * @typedef {object} CallOptions Options every call takes.
 * @property {number | undefined} [rpcTimeout] reject with `ERR_SIGRPC_TIMEOUT` if no answer comes within
 *   this many milliseconds (0: none); overrides the client's `rpcTimeout`
 * @property {AbortSignal | undefined} [signal] reject with an `AbortError` when this signal aborts
 */

/** @typedef {string | number} SignalLike a signal name (`'SIGTERM'`, `'TERM'`, `'term'`, `'RTMIN+1'`) or number */

/**
 * @typedef {object} KillFields
 * @property {string | undefined} [startTime] send only if the process still has this start time (from `inspect`);
 *   else `ESRCH` with `reason: 'start_time mismatch'`
 */
/** @typedef {CallOptions & KillFields} KillOptions Options of `kill`. */

/**
 * @typedef {object} SignameFields
 * @property {boolean | undefined} [exitStatus] also read a shell exit status 128 + n (`143` → `'TERM'`); default false
 */
/** @typedef {CallOptions & SignameFields} SignameOptions Options of `signame`. */

/**
 * @typedef {object} WaitFields
 * @property {number | undefined} [timeout] how long to wait for the process to terminate, in milliseconds;
 *   `Infinity`: as long as it takes
 */
/** @typedef {CallOptions & WaitFields} WaitOptions Options of `wait` (default `timeout` 0: check once). */

/**
 * @typedef {object} StopFields
 * @property {number | undefined} [timeout] milliseconds to wait for the process to go after the first signal; default 5000
 * @property {SignalLike | null | undefined} [escalate] sent if it has not gone; `null`: never escalate. Default `'KILL'`
 * @property {number | undefined} [escalateTimeout] milliseconds to wait after `escalate`; default 1000
 * @property {boolean | undefined} [tree] the whole tree rooted at the process: stop it growing, signal every
 *   member, escalate survivors (Linux; needs a helper that has it). Default false
 */
/** @typedef {CallOptions & StopFields} StopOptions Options of `Process#stop`. */

/**
 * @typedef {object} TerminateFields
 * @property {string | undefined} [startTime] act only if the process still has this start time (from `inspect`)
 */
/** @typedef {StopOptions & TerminateFields} TerminateOptions Options of `terminate`. */

/**
 * @typedef {object} ChildrenFields
 * @property {boolean | undefined} [recursive] every descendant, not only the children; default false
 */
/** @typedef {CallOptions & ChildrenFields} ChildrenOptions Options of `children`. */

/**
 * @typedef {object} HelperExit How the helper ended: what `client.closed` resolves with.
 * @property {number | null} exitCode its exit code; null if it was killed by a signal or never ran
 * @property {string | null} signal the signal that killed it, e.g. `'SIGKILL'`
 * @property {string} stderr the last (up to 4 KiB) of what it wrote to stderr
 * @property {boolean} requested `close()` was called before it exited
 * @property {Error | undefined} error why it could not start, or why the client stopped it (an invalid answer)
 */

/** @typedef {import('./calls.js').Call} Call */
/** @typedef {import('./calls.js').ProcessInfo} ProcessInfo */
/** @typedef {import('./calls.js').ChildInfo} ChildInfo */
/** @typedef {import('./calls.js').Termination} Termination */

/** One call waiting for its answer. */
class Pending {
  /**
   * @param {string} method
   * @param {((result: any) => any) | undefined} read
   * @param {(value: any) => void} resolve
   * @param {(reason: Error) => void} reject
   */
  constructor(method, read, resolve, reject) {
    this.method = method;
    this.read = read;
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
 * const client = await Client.start();
 * try {
 *   await client.kill(child.pid, 'SIGTERM');
 * } finally {
 *   await client.close();
 * }
 * ```
 *
 * @implements {AsyncDisposable}
 */
export class Client {
  /** @type {number} */
  #rpcTimeout;
  /** @type {Map<number, Pending>} */
  #pending = new Map();
  #lastId = 0;
  /** The last id written to the helper. */
  #lastSent = 0;
  /** ndjson requests waiting for the next flush. */
  #out = '';
  #flushQueued = false;
  /** stdin is over its high-water mark: wait for 'drain'. */
  #blocked = false;
  /** unref mode: hold the event loop only while calls are pending. */
  #weak = false;
  /** close() was called. */
  #closeCalled = false;
  /** @type {Promise<void> | null} */
  #closing = null;
  /** @type {HelperExit | null} set once the helper is gone */
  #gone = null;
  /** @type {{code: number | null, signal: string | null} | null} */
  #exit = null;
  /** @type {Error | undefined} why the helper is gone, if not by itself */
  #cause = undefined;
  /** @type {Buffer[]} */
  #stderr = [];
  #stderrSize = 0;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #killTimer = undefined;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #drainTimer = undefined;
  /** @type {import('node:child_process').ChildProcess} */
  #child;
  /** @type {import('node:stream').Writable & {ref(): void, unref(): void}} */
  #stdin;
  /** @type {import('node:stream').Readable & {ref(): void, unref(): void}} */
  #stdout;
  /** @type {import('node:stream').Readable & {ref(): void, unref(): void}} */
  #stderrStream;
  /** @type {Promise<void>} */
  #spawned;
  /** @type {Promise<HelperExit>} */
  #closed;
  /** @type {(exit: HelperExit) => void} */
  #resolveClosed = () => {};

  /**
   * Spawn the helper. Calls may be made at once; use {@link Client.start}
   * to wait until the helper has answered a first request.
   *
   * @param {ClientOptions} [options]
   * @throws {Error} `code: 'ENOENT'` if no helper can be found (the message says what was tried and how to install it)
   */
  constructor(options = {}) {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw invalidArgType('options', 'of type object', options);
    }
    if ('timeout' in options) {
      const err = /** @type {TypeError & {code: string}} */ (
        new TypeError(
          'The "timeout" option of Client is now "rpcTimeout" (a call\'s deadline, in milliseconds); ' +
            '"timeout" means how long to wait for a process, in wait() and terminate()',
        )
      );
      err.code = 'ERR_INVALID_ARG_VALUE';
      throw err;
    }
    const extra = options.args ?? [];
    if (!Array.isArray(extra)) throw invalidArgType('options.args', 'an instance of Array', extra);
    extra.forEach((a, i) => {
      if (typeof a !== 'string') throw invalidArgType(`options.args[${i}]`, 'of type string', a);
    });
    if (options.unref !== undefined && typeof options.unref !== 'boolean') {
      throw invalidArgType('options.unref', 'of type boolean', options.unref);
    }
    this.#rpcTimeout = deadline(rpcTimeoutArg(options.rpcTimeout, 'options.rpcTimeout') ?? 0);
    const command = findHelper(options.command);
    // --descendants-only names this process, so that the helper refuses
    // to start if it is not its parent, rather than serve whoever adopted it.
    const args = [
      ...extra.map((a) => (a === '--descendants-only' ? `--descendants-of=${process.pid}` : a)),
      '--framing',
      'ndjson',
    ];
    this.#closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });

    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    this.#child = child;
    this.#stdin = /** @type {any} */ (child.stdin);
    this.#stdout = /** @type {any} */ (child.stdout);
    this.#stderrStream = /** @type {any} */ (child.stderr);

    const splitter = new LineSplitter((line) => this.#onLine(line));
    this.#stdout.on('data', (chunk) => splitter.push(chunk));
    this.#stdout.on('error', () => {});
    this.#stdin.on('error', () => {}); // EPIPE once the helper is gone; 'exit' reports it
    this.#stderrStream.on('data', (chunk) => this.#onStderr(chunk));
    this.#stderrStream.on('error', () => {});

    this.#spawned = new Promise((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    this.#spawned.catch(() => {});
    child.on('error', (err) => {
      this.#cause ??= err;
      this.#fail();
    });
    child.on('exit', (code, signal) => {
      this.#exit = { code, signal };
      clearTimeout(this.#killTimer);
      // 'close' follows once stdout is read to its end; this is the fallback
      // should something else hold the pipe open.
      this.#drainTimer = setTimeout(() => this.#fail(), EXIT_DRAIN_MS);
    });
    child.on('close', () => this.#fail());

    if (options.unref) this.unref();
  }

  /**
   * Spawn the helper and wait (up to 10 s, whatever the `rpcTimeout`
   * option) until it has answered a first request, so that a helper that
   * cannot serve (bad `args`, not executable) rejects here.
   *
   * @param {ClientOptions} [options]
   * @returns {Promise<Client>}
   */
  static async start(options) {
    const client = new Client(options);
    try {
      await client.#spawned;
      await client.signum(0, { rpcTimeout: START_TIMEOUT_MS });
    } catch (err) {
      await client.close();
      throw err;
    }
    return client;
  }

  /**
   * The helper's process id (undefined if it failed to start).
   * @returns {number | undefined}
   */
  get pid() {
    return this.#child.pid;
  }

  /**
   * Settles when the helper has exited, for whatever reason: resolves (never
   * rejects) with its exit code, signal and the tail of its stderr, and
   * `requested: true` if `close()` was called first. A helper that dies on
   * its own shows here without a call being made.
   *
   * @returns {Promise<HelperExit>}
   */
  get closed() {
    return this.#closed;
  }

  /**
   * Send any request; resolves with its raw `result` (the wire's names,
   * e.g. `start_time`).
   *
   * @param {string} method e.g. `'signum'`, `'rpc.discover'`
   * @param {readonly unknown[] | Readonly<Record<string, unknown>>} [params] positional (array) or named (object)
   * @param {CallOptions} [options]
   * @returns {Promise<unknown>}
   */
  call(method, params, options) {
    if (typeof method !== 'string') return Promise.reject(invalidArgType('method', 'of type string', method));
    let body = '';
    if (params !== undefined && params !== null) {
      if (typeof params !== 'object') {
        return Promise.reject(invalidArgType('params', 'an array or an object', params));
      }
      try {
        body = ',"params":' + JSON.stringify(params);
      } catch (err) {
        const invalid = /** @type {TypeError & {code: string}} */ (
          new TypeError(`The "params" argument cannot be written as JSON: ${/** @type {Error} */ (err).message}`, { cause: err })
        );
        invalid.code = 'ERR_INVALID_ARG_VALUE';
        return Promise.reject(invalid);
      }
    }
    return this.#request(method, JSON.stringify(method), body, undefined, options);
  }

  /**
   * The number of a signal name, or `null` if this platform has none by that
   * name; a number comes back unchanged.
   *
   * @param {SignalLike} name `'TERM'`, `'SIGTERM'`, `'term'`, `'RTMIN+1'`, or a number
   * @param {CallOptions} [options]
   * @returns {Promise<number | null>}
   */
  signum(name, options) {
    return this.#call(CALLS.signum, [name], options);
  }

  /**
   * Send a signal, as `process.kill(pid, signal)` does; resolves `true`.
   *
   * @param {number} pid the process (groups, -1 and the helper itself are refused by policy)
   * @param {SignalLike | null} [signal] default `'TERM'`; `0` or `'NONE'` checks that the process exists
   * @param {KillOptions} [options] `startTime` (from {@link Client#inspect}): send only if the process still has it
   * @returns {Promise<true>}
   */
  kill(pid, signal, options) {
    return this.#call(CALLS.kill, [pid, signal], options);
  }

  /**
   * Every signal name this platform knows (no `SIG` prefix, no real-time names) with its number.
   *
   * @param {CallOptions} [options]
   * @returns {Promise<Record<string, number>>}
   */
  signals(options) {
    return this.#call(CALLS.signals, [], options);
  }

  /**
   * The canonical name of a signal number (`15` → `'TERM'`), or `null`.
   *
   * @param {number} number the signal number
   * @param {SignameOptions} [options] `exitStatus: true` also reads a shell exit status 128 + n (`143` → `'TERM'`)
   * @returns {Promise<string | null>}
   */
  signame(number, options) {
    return this.#call(CALLS.signame, [number], options);
  }

  /**
   * What the system reports about a process (Linux only).
   *
   * @param {number} pid
   * @param {CallOptions} [options]
   * @returns {Promise<ProcessInfo>}
   */
  inspect(pid, options) {
    return this.#call(CALLS.inspect, [pid], options);
  }

  /**
   * Whether the process terminates (a zombie counts) within `timeout`
   * milliseconds: resolves `true` once it has, `false` when the timeout
   * passes. The default, 0, checks once; `Infinity` waits as long as it
   * takes. Works for any process, not only children, and never holds up
   * other calls.
   *
   * @param {number} pid
   * @param {WaitOptions} [options]
   * @returns {Promise<boolean>}
   */
  wait(pid, options) {
    const timeout = /** @type {{timeout?: unknown} | null | undefined} */ (options)?.timeout;
    if (typeof timeout === 'number' && timeout > MAX_WAIT_MS) {
      try {
        // Check every argument now: the first request goes out only after this returns.
        writeParams(CALLS.wait, [pid], options);
      } catch (err) {
        return Promise.reject(err);
      }
      return this.#waitLong(pid, timeout, options);
    }
    return this.#call(CALLS.wait, [pid], options);
  }

  /**
   * Wait longer than one request may (24 h), one request after another.
   * @param {number} pid
   * @param {number} timeout milliseconds, over 24 h, or Infinity
   * @param {WaitOptions | undefined} options
   * @returns {Promise<boolean>}
   */
  async #waitLong(pid, timeout, options) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const left = deadline - Date.now();
      const step = Math.min(MAX_WAIT_MS, Math.max(0, left));
      if (await this.#call(CALLS.wait, [pid], { ...options, timeout: step })) return true;
      if (left <= MAX_WAIT_MS) return false;
    }
  }

  /**
   * Send `signal`, wait up to `timeout` ms for the process to go; if it has
   * not, send `escalate` (unless `null`) and wait up to `escalateTimeout` ms.
   * On Linux every signal goes through one pidfd, so the escalation cannot
   * hit a process that reused the pid. With `tree: true`, the whole tree
   * rooted at `pid` (needs a helper that has it).
   *
   * @param {number} pid
   * @param {SignalLike | null} [signal] default `'TERM'`
   * @param {TerminateOptions} [options] `timeout` (default 5000), `escalate` (default `'KILL'`),
   *   `escalateTimeout` (default 1000), `startTime`, `tree`
   * @returns {Promise<Termination>}
   */
  terminate(pid, signal, options) {
    return this.#call(CALLS.terminate, [pid, signal], options);
  }

  /**
   * The children of a process (with `recursive: true`, every descendant).
   * Linux; needs a helper that has the `children` method.
   *
   * @param {number} pid
   * @param {ChildrenOptions} [options]
   * @returns {Promise<ChildInfo[]>}
   */
  children(pid, options) {
    return this.#call(CALLS.children, [pid], options);
  }

  /**
   * A handle on one process: it captures the process's start time now, and
   * every signal it sends carries it, so it never reaches another process
   * that reused the pid. Rejects with `ESRCH` if there is no such process.
   *
   * @param {number} pid
   * @param {CallOptions} [options]
   * @returns {Promise<Process>}
   */
  async process(pid, options) {
    const info = await this.inspect(pid, options);
    return new Process(this, info.pid, info.startTime);
  }

  /**
   * Stop the helper. Every call still pending rejects at once with
   * `ERR_SIGRPC_HELPER_EXITED` (a call not yet written is never sent; one
   * the helper has read may still be carried out), and so does every later
   * call. Resolves once the helper has exited (it is killed after 2 s).
   * Idempotent; never rejects.
   *
   * @returns {Promise<void>}
   */
  close() {
    if (this.#closing) return this.#closing;
    this.#closeCalled = true;
    this.#closing = this.#closed.then(() => {});
    if (this.#gone) return this.#closing;
    this.#out = ''; // requests not written yet are never sent
    let busy = false;
    for (const [id, call] of this.#pending) {
      disarm(call);
      const sent = id <= this.#lastSent;
      busy ||= sent;
      call.reject(
        new HelperExitedError(
          sent
            ? `sigrpc client closed before the helper answered ${call.method} (the helper may still have carried it out)`
            : `sigrpc client closed before ${call.method} was sent`,
        ),
      );
    }
    this.#pending.clear();
    if (this.#weak) this.#release();
    this.#stdin.end();
    // At the end of its input the helper would finish a pending wait or
    // terminate first; SIGTERM makes it cancel them and exit at once.
    if (busy) this.#child.kill('SIGTERM');
    this.#killTimer = setTimeout(() => this.#child.kill('SIGKILL'), CLOSE_GRACE_MS);
    this.#killTimer.unref();
    return this.#closing;
  }

  /**
   * Same as {@link Client#close}, for `await using`.
   * @returns {Promise<void>}
   */
  [Symbol.asyncDispose]() {
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
    this.#weak = true;
    this.#stdin.unref();
    this.#stderrStream.unref();
    if (this.#pending.size === 0) this.#release();
    return this;
  }

  /**
   * Undo {@link Client#unref}: the helper keeps the event loop alive until closed.
   * @returns {this}
   */
  ref() {
    this.#weak = false;
    this.#stdin.ref();
    this.#stderrStream.ref();
    this.#hold();
    return this;
  }

  #hold() {
    this.#child.ref();
    this.#stdout.ref();
  }

  #release() {
    this.#child.unref();
    this.#stdout.unref();
  }

  /**
   * Check a call's arguments and send it.
   * @param {Call} call
   * @param {readonly unknown[]} args
   * @param {any} options
   * @returns {Promise<any>}
   */
  #call(call, args, options) {
    let params;
    try {
      params = writeParams(call, args, options);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#request(call.method, '"' + call.method + '"', params, call.read, options);
  }

  /**
   * The hot path: queue one request line and return its Promise.
   *
   * @param {string} method
   * @param {string} methodJSON the method as a JSON string
   * @param {string} paramsMember `,"params":...` or empty
   * @param {((result: any) => any) | undefined} read
   * @param {CallOptions | undefined} options
   * @returns {Promise<any>}
   */
  #request(method, methodJSON, paramsMember, read, options) {
    if (this.#closeCalled || this.#gone) return Promise.reject(this.#goneError());
    let timeout = this.#rpcTimeout;
    /** @type {AbortSignal | undefined} */
    let signal;
    if (options !== undefined && options !== null) {
      try {
        optionsArg(options);
        if (options.rpcTimeout !== undefined) timeout = deadline(rpcTimeoutArg(options.rpcTimeout, 'options.rpcTimeout') ?? 0);
        signal = abortSignalArg(options.signal, 'options.signal');
      } catch (err) {
        return Promise.reject(err);
      }
      if (signal?.aborted) return Promise.reject(new AbortError(signal.reason));
    }
    const id = ++this.#lastId;
    const line = '{"jsonrpc":"2.0","id":' + id + ',"method":' + methodJSON + paramsMember + '}\n';
    return new Promise((resolve, reject) => {
      const call = new Pending(method, read, resolve, reject);
      this.#pending.set(id, call);
      if (timeout > 0) call.timer = setTimeout(this.#onTimeout, timeout, id, timeout);
      if (signal) {
        const s = signal;
        call.signal = s;
        call.onAbort = () => this.#take(id)?.reject(new AbortError(s.reason));
        s.addEventListener('abort', call.onAbort, { once: true });
      }
      if (this.#weak && this.#pending.size === 1) this.#hold();
      this.#out += line;
      if (!this.#flushQueued) {
        this.#flushQueued = true;
        process.nextTick(this.#flushNow);
      }
    });
  }

  /**
   * A call's deadline passed.
   * @param {number} id
   * @param {number} timeout
   */
  #onTimeout = (id, timeout) => {
    const call = this.#take(id);
    if (call) call.reject(new TimeoutError(call.method, timeout));
  };

  #flushNow = () => this.#flush();

  /** Write every queued request with one write. */
  #flush() {
    this.#flushQueued = false;
    if (this.#out === '' || this.#blocked || this.#closeCalled) return;
    const out = this.#out;
    this.#out = '';
    this.#lastSent = this.#lastId;
    if (!this.#stdin.write(out)) {
      this.#blocked = true;
      this.#stdin.once('drain', this.#onDrain);
    }
  }

  #onDrain = () => {
    this.#blocked = false;
    this.#flush();
  };

  /** @param {string} line one response */
  #onLine(line) {
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      msg = null;
    }
    if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
      this.#cause ??= new Error(`sigrpc helper wrote an invalid response: ${line.slice(0, 200)}`);
      this.#child.kill('SIGKILL');
      return;
    }
    const call = this.#take(msg.id);
    if (call === undefined) return; // timed out or aborted: the late answer is dropped
    if (msg.error !== undefined) {
      call.reject(fromRPCError(msg.error ?? {}, call.method));
    } else if (call.read === undefined) {
      call.resolve(msg.result);
    } else {
      let value;
      try {
        value = call.read(msg.result);
      } catch (err) {
        const unexpected = /** @type {Error & {code: string}} */ (
          new Error(`sigrpc helper answered ${call.method} with an unexpected result: ${JSON.stringify(msg.result)}`, { cause: err })
        );
        unexpected.code = 'ERR_SIGRPC_INVALID_RESPONSE';
        call.reject(unexpected);
        return;
      }
      call.resolve(value);
    }
  }

  /**
   * Remove a pending call, with its timer and abort listener.
   * @param {number} id
   * @returns {Pending | undefined}
   */
  #take(id) {
    const call = this.#pending.get(id);
    if (call === undefined) return undefined;
    this.#pending.delete(id);
    disarm(call);
    if (this.#weak && this.#pending.size === 0) this.#release();
    return call;
  }

  /** @param {Buffer} chunk */
  #onStderr(chunk) {
    this.#stderr.push(chunk);
    this.#stderrSize += chunk.length;
    while (this.#stderrSize - this.#stderr[0].length >= STDERR_TAIL_BYTES) {
      this.#stderrSize -= /** @type {Buffer} */ (this.#stderr.shift()).length;
    }
  }

  /** The helper is gone: reject every pending call, now and later; settle `closed`. */
  #fail() {
    if (this.#gone) return;
    clearTimeout(this.#drainTimer);
    clearTimeout(this.#killTimer);
    const tail = Buffer.concat(this.#stderr, this.#stderrSize);
    this.#gone = {
      exitCode: this.#exit ? this.#exit.code : null,
      signal: this.#exit ? this.#exit.signal : null,
      stderr: tail.subarray(Math.max(0, tail.length - STDERR_TAIL_BYTES)).toString('utf8'),
      requested: this.#closeCalled,
      error: this.#cause,
    };
    this.#stdout.destroy();
    this.#stderrStream.destroy();
    this.#stdin.destroy();
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const call of pending) {
      disarm(call);
      call.reject(this.#goneError());
    }
    this.#resolveClosed(this.#gone);
  }

  /** @returns {HelperExitedError} */
  #goneError() {
    const gone = this.#gone;
    if (!gone) return new HelperExitedError('sigrpc client is closed');
    const info = { exitCode: gone.exitCode, signal: gone.signal, stderr: gone.stderr, cause: gone.error };
    if (gone.error && this.#exit === null) {
      return new HelperExitedError(`sigrpc helper failed: ${gone.error.message}`, info);
    }
    if (gone.requested) return new HelperExitedError('sigrpc client is closed', info);
    let message = `sigrpc helper exited (${gone.signal ? `killed by ${gone.signal}` : `exit code ${gone.exitCode}`})`;
    if (gone.error) message += `: ${gone.error.message}`;
    const last = gone.stderr.trimEnd().split('\n').pop();
    if (last) message += `; stderr: ${last}`;
    return new HelperExitedError(message, info);
  }
}

/** @param {Pending} call */
function disarm(call) {
  if (call.timer !== undefined) clearTimeout(call.timer);
  if (call.signal !== undefined) call.signal.removeEventListener('abort', /** @type {() => void} */ (call.onAbort));
}

/**
 * A call's deadline for setTimeout: anything past setTimeout's limit is none (0).
 * @param {number} ms a checked `rpcTimeout`
 * @returns {number}
 */
function deadline(ms) {
  return ms > MAX_TIMER_MS ? 0 : ms;
}
