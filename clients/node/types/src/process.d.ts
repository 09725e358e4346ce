/** @typedef {import('./client.js').Client} Client */
/** @typedef {import('./client.js').CallOptions} CallOptions */
/** @typedef {import('./client.js').WaitOptions} WaitOptions */
/** @typedef {import('./client.js').StopOptions} StopOptions */
/** @typedef {import('./client.js').SignalLike} SignalLike */
/** @typedef {import('./calls.js').ProcessInfo} ProcessInfo */
/** @typedef {import('./calls.js').Termination} Termination */
/**
 * One process, as `client.process(pid)` found it. Its methods act on that
 * process only: once it has exited and its pid names another process,
 * signals reject with `ESRCH` (`reason: 'start_time mismatch'`) and send
 * nothing.
 */
export class Process {
    /**
     * Use `await client.process(pid)`, which reads the start time.
     *
     * @param {Client} client
     * @param {number} pid
     * @param {string} startTime the process's start time, from `inspect`
     */
    constructor(client: Client, pid: number, startTime: string);
    /**
     * The process id.
     * @readonly
     * @type {number}
     */
    readonly pid: number;
    /**
     * Its start time (field 22 of `/proc/<pid>/stat`) when the handle was made: with the pid, it names this process.
     * @readonly
     * @type {string}
     */
    readonly startTime: string;
    /**
     * Whether the process is still running: false once it has exited, even if
     * it is a zombie not yet reaped, and false if its pid now names another
     * process.
     *
     * @param {CallOptions} [options]
     * @returns {Promise<boolean>}
     */
    isRunning(options?: CallOptions): Promise<boolean>;
    /**
     * Send a signal to this process (not to a process that reused its pid).
     *
     * @param {SignalLike | null} [signal] default `'TERM'`; `0` or `'NONE'` checks that it still exists
     * @param {CallOptions} [options]
     * @returns {Promise<void>} rejects with `ESRCH` once the process is gone
     */
    sendSignal(signal?: SignalLike | null, options?: CallOptions): Promise<void>;
    /**
     * Send `TERM`.
     * @param {CallOptions} [options]
     * @returns {Promise<void>}
     */
    terminate(options?: CallOptions): Promise<void>;
    /**
     * Send `KILL`.
     * @param {CallOptions} [options]
     * @returns {Promise<void>}
     */
    kill(options?: CallOptions): Promise<void>;
    /**
     * Wait until the process has exited (a zombie counts): resolves `true`
     * once it has, `false` if `timeout` milliseconds pass first. Without a
     * `timeout`, waits as long as it takes; `timeout: 0` checks once.
     *
     * @param {WaitOptions} [options]
     * @returns {Promise<boolean>}
     */
    wait(options?: WaitOptions): Promise<boolean>;
    /**
     * Stop the process: send `TERM`, wait up to `timeout` ms for it to go;
     * if it has not, send `escalate` (default `'KILL'`; `null`: none) and wait
     * up to `escalateTimeout` ms. Every signal carries the start time. With
     * `tree: true`, the whole tree rooted at the process (needs a helper that
     * has it).
     *
     * @param {StopOptions} [options] `timeout` (default 5000), `escalate`, `escalateTimeout` (default 1000), `tree`
     * @returns {Promise<Termination>}
     */
    stop(options?: StopOptions): Promise<Termination>;
    /**
     * What the system reports about the process now.
     *
     * @param {CallOptions} [options]
     * @returns {Promise<ProcessInfo>} rejects with `ESRCH` once the process is gone
     */
    info(options?: CallOptions): Promise<ProcessInfo>;
    #private;
}
export type Client = import("./client.js").Client;
export type CallOptions = import("./client.js").CallOptions;
export type WaitOptions = import("./client.js").WaitOptions;
export type StopOptions = import("./client.js").StopOptions;
export type SignalLike = import("./client.js").SignalLike;
export type ProcessInfo = import("./calls.js").ProcessInfo;
export type Termination = import("./calls.js").Termination;
