/// <reference lib="esnext.disposable" preserve="true" />
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
export class Client implements AsyncDisposable {
    /**
     * Spawn the helper and wait (up to 10 s, whatever the `rpcTimeout`
     * option) until it has answered a first request, so that a helper that
     * cannot serve (bad `args`, not executable) rejects here.
     *
     * @param {ClientOptions} [options]
     * @returns {Promise<Client>}
     */
    static start(options?: ClientOptions): Promise<Client>;
    /**
     * Spawn the helper. Calls may be made at once; use {@link Client.start}
     * to wait until the helper has answered a first request.
     *
     * @param {ClientOptions} [options]
     * @throws {Error} `code: 'ENOENT'` if no helper can be found (the message says what was tried and how to install it)
     */
    constructor(options?: ClientOptions);
    /**
     * The helper's process id (undefined if it failed to start).
     * @returns {number | undefined}
     */
    get pid(): number | undefined;
    /**
     * Settles when the helper has exited, for whatever reason: resolves (never
     * rejects) with its exit code, signal and the tail of its stderr, and
     * `requested: true` if `close()` was called first. A helper that dies on
     * its own shows here without a call being made.
     *
     * @returns {Promise<HelperExit>}
     */
    get closed(): Promise<HelperExit>;
    /**
     * Send any request; resolves with its raw `result` (the wire's names,
     * e.g. `start_time`).
     *
     * @param {string} method e.g. `'signum'`, `'rpc.discover'`
     * @param {readonly unknown[] | Readonly<Record<string, unknown>>} [params] positional (array) or named (object)
     * @param {CallOptions} [options]
     * @returns {Promise<unknown>}
     */
    call(method: string, params?: readonly unknown[] | Readonly<Record<string, unknown>>, options?: CallOptions): Promise<unknown>;
    /**
     * The number of a signal name, or `null` if this platform has none by that
     * name; a number comes back unchanged.
     *
     * @param {SignalLike} name `'TERM'`, `'SIGTERM'`, `'term'`, `'RTMIN+1'`, or a number
     * @param {CallOptions} [options]
     * @returns {Promise<number | null>}
     */
    signum(name: SignalLike, options?: CallOptions): Promise<number | null>;
    /**
     * Send a signal, as `process.kill(pid, signal)` does; resolves `true`.
     *
     * @param {number} pid the process (groups, -1 and the helper itself are refused by policy)
     * @param {SignalLike | null} [signal] default `'TERM'`; `0` or `'NONE'` checks that the process exists
     * @param {KillOptions} [options] `startTime` (from {@link Client#inspect}): send only if the process still has it
     * @returns {Promise<true>}
     */
    kill(pid: number, signal?: SignalLike | null, options?: KillOptions): Promise<true>;
    /**
     * Every signal name this platform knows (no `SIG` prefix, no real-time names) with its number.
     *
     * @param {CallOptions} [options]
     * @returns {Promise<Record<string, number>>}
     */
    signals(options?: CallOptions): Promise<Record<string, number>>;
    /**
     * The canonical name of a signal number (`15` → `'TERM'`), or `null`.
     *
     * @param {number} number the signal number
     * @param {SignameOptions} [options] `exitStatus: true` also reads a shell exit status 128 + n (`143` → `'TERM'`)
     * @returns {Promise<string | null>}
     */
    signame(number: number, options?: SignameOptions): Promise<string | null>;
    /**
     * What the system reports about a process (Linux only).
     *
     * @param {number} pid
     * @param {CallOptions} [options]
     * @returns {Promise<ProcessInfo>}
     */
    inspect(pid: number, options?: CallOptions): Promise<ProcessInfo>;
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
    wait(pid: number, options?: WaitOptions): Promise<boolean>;
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
    terminate(pid: number, signal?: SignalLike | null, options?: TerminateOptions): Promise<Termination>;
    /**
     * The children of a process (with `recursive: true`, every descendant).
     * Linux; needs a helper that has the `children` method.
     *
     * @param {number} pid
     * @param {ChildrenOptions} [options]
     * @returns {Promise<ChildInfo[]>}
     */
    children(pid: number, options?: ChildrenOptions): Promise<ChildInfo[]>;
    /**
     * A handle on one process: it captures the process's start time now, and
     * every signal it sends carries it, so it never reaches another process
     * that reused the pid. Rejects with `ESRCH` if there is no such process.
     *
     * @param {number} pid
     * @param {CallOptions} [options]
     * @returns {Promise<Process>}
     */
    process(pid: number, options?: CallOptions): Promise<Process>;
    /**
     * Stop the helper. Every call still pending rejects at once with
     * `ERR_SIGRPC_HELPER_EXITED` (a call not yet written is never sent; one
     * the helper has read may still be carried out), and so does every later
     * call. Resolves once the helper has exited (it is killed after 2 s).
     * Idempotent; never rejects.
     *
     * @returns {Promise<void>}
     */
    close(): Promise<void>;
    /**
     * Let the event loop exit while no call is pending, even if the client is
     * never closed (the helper exits with this process). Calls still pending
     * hold the loop until they settle.
     *
     * @returns {this}
     */
    unref(): this;
    /**
     * Undo {@link Client#unref}: the helper keeps the event loop alive until closed.
     * @returns {this}
     */
    ref(): this;
    /**
     * Same as {@link Client#close}, for `await using`.
     * @returns {Promise<void>}
     */
    [Symbol.asyncDispose](): Promise<void>;
    #private;
}
/**
 * Options of `new Client()` and `Client.start()`.
 */
export type ClientOptions = {
    /**
     * path (or name on `PATH`) of the helper; default: `$SIGRPC_BIN`,
     * else the helper in the platform package (`@sigrpc/<platform>-<arch>`), else `sigrpc` on `PATH`
     */
    command?: string | undefined;
    /**
     * extra helper flags, e.g. `['--descendants-only']`
     * (passed as `--descendants-of=<this process's pid>`)
     */
    args?: readonly string[] | undefined;
    /**
     * default deadline of every call, in milliseconds (0, the default: none)
     */
    rpcTimeout?: number | undefined;
    /**
     * do not keep the event loop alive while no call is pending
     */
    unref?: boolean | undefined;
};
/**
 * Options every call takes.
 */
export type CallOptions = {
    /**
     * reject with `ERR_SIGRPC_TIMEOUT` if no answer comes within
     * this many milliseconds (0: none); overrides the client's `rpcTimeout`
     */
    rpcTimeout?: number | undefined;
    /**
     * reject with an `AbortError` when this signal aborts
     */
    signal?: AbortSignal | undefined;
};
/**
 * a signal name (`'SIGTERM'`, `'TERM'`, `'term'`, `'RTMIN+1'`) or number
 */
export type SignalLike = string | number;
export type KillFields = {
    /**
     * send only if the process still has this start time (from `inspect`);
     * else `ESRCH` with `reason: 'start_time mismatch'`
     */
    startTime?: string | undefined;
};
/**
 * Options of `kill`.
 */
export type KillOptions = CallOptions & KillFields;
export type SignameFields = {
    /**
     * also read a shell exit status 128 + n (`143` → `'TERM'`); default false
     */
    exitStatus?: boolean | undefined;
};
/**
 * Options of `signame`.
 */
export type SignameOptions = CallOptions & SignameFields;
export type WaitFields = {
    /**
     * how long to wait for the process to terminate, in milliseconds;
     * `Infinity`: as long as it takes
     */
    timeout?: number | undefined;
};
/**
 * Options of `wait` (default `timeout` 0: check once).
 */
export type WaitOptions = CallOptions & WaitFields;
export type StopFields = {
    /**
     * milliseconds to wait for the process to go after the first signal; default 5000
     */
    timeout?: number | undefined;
    /**
     * sent if it has not gone; `null`: never escalate. Default `'KILL'`
     */
    escalate?: SignalLike | null | undefined;
    /**
     * milliseconds to wait after `escalate`; default 1000
     */
    escalateTimeout?: number | undefined;
    /**
     * the whole tree rooted at the process: stop it growing, signal every
     * member, escalate survivors (Linux; needs a helper that has it). Default false
     */
    tree?: boolean | undefined;
};
/**
 * Options of `Process#stop`.
 */
export type StopOptions = CallOptions & StopFields;
export type TerminateFields = {
    /**
     * act only if the process still has this start time (from `inspect`)
     */
    startTime?: string | undefined;
};
/**
 * Options of `terminate`.
 */
export type TerminateOptions = StopOptions & TerminateFields;
export type ChildrenFields = {
    /**
     * every descendant, not only the children; default false
     */
    recursive?: boolean | undefined;
};
/**
 * Options of `children`.
 */
export type ChildrenOptions = CallOptions & ChildrenFields;
/**
 * How the helper ended: what `client.closed` resolves with.
 */
export type HelperExit = {
    /**
     * its exit code; null if it was killed by a signal or never ran
     */
    exitCode: number | null;
    /**
     * the signal that killed it, e.g. `'SIGKILL'`
     */
    signal: string | null;
    /**
     * the last (up to 4 KiB) of what it wrote to stderr
     */
    stderr: string;
    /**
     * `close()` was called before it exited
     */
    requested: boolean;
    /**
     * why it could not start, or why the client stopped it (an invalid answer)
     */
    error: Error | undefined;
};
export type Call = import("./calls.js").Call;
export type ProcessInfo = import("./calls.js").ProcessInfo;
export type ChildInfo = import("./calls.js").ChildInfo;
export type Termination = import("./calls.js").Termination;
import { Process } from './process.js';
