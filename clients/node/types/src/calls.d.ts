/**
 * One method.
 *
 * @typedef {object} Call
 * @property {string} method its name on the wire
 * @property {Param[]} params
 * @property {((result: any) => any) | undefined} read turns the wire's result into what the Promise resolves with; undefined: unchanged
 */
/**
 * A process id as `process.kill` takes it: an integer in the C `int` range
 * (a string, a fraction or 2**40 is an `ERR_INVALID_ARG_TYPE` TypeError).
 * @param {unknown} value
 * @param {string} name
 * @returns {number}
 */
export function pidArg(value: unknown, name: string): number;
/**
 * A signal as `process.kill` takes it: a name or an integer; undefined or
 * null mean the default (TERM). Any other value is an unknown signal.
 * Names are checked by the helper, which knows the platform's.
 * @param {unknown} value
 * @returns {string | number | undefined}
 */
export function signalArg(value: unknown): string | number | undefined;
/**
 * A duration in milliseconds the helper waits: 0 to 24 h, a fraction rounded up.
 * @param {unknown} value
 * @param {string} name
 * @returns {number | undefined}
 */
export function millisArg(value: unknown, name: string): number | undefined;
/**
 * Write a call's params as the JSON of a named-params object.
 *
 * @param {Call} call
 * @param {readonly unknown[]} args the positional arguments, in order
 * @param {Readonly<Record<string, unknown>> | undefined} options the options object, if any
 * @returns {string} `,"params":{...}`, or empty if there is nothing to send
 * @throws {TypeError | RangeError} a value the method cannot take, as Node's own APIs throw
 */
export function writeParams(call: Call, args: readonly unknown[], options: Readonly<Record<string, unknown>> | undefined): string;
/** The longest wait one request may ask of the helper (its limit for `timeout_ms`): 24 h. */
export const MAX_WAIT_MS: 86400000;
/**
 * Every method the client wraps. The helper's methods it does not wrap are
 * in {@link NOT_WRAPPED}.
 */
export const CALLS: Readonly<{
    /** @type {Call} */
    signum: Call;
    /** @type {Call} */
    kill: Call;
    /** @type {Call} */
    signals: Call;
    /** @type {Call} */
    signame: Call;
    /** @type {Call} */
    inspect: Call;
    /** @type {Call} */
    wait: Call;
    /** @type {Call} */
    terminate: Call;
    /** @type {Call} */
    children: Call;
}>;
/** The helper's methods the client does not wrap, and why. */
export const NOT_WRAPPED: Readonly<{
    'rpc.discover': string;
}>;
/**
 * One param of a method.
 */
export type Param = {
    /**
     * its name on the wire
     */
    wire: string;
    /**
     * its name in the options object; absent: it is the next positional argument
     */
    option?: string;
    /**
     * the helper requires it
     */
    required?: boolean;
    /**
     * the value the helper applies when it is omitted, in wire units
     */
    default?: unknown;
    /**
     * checks a value as given
     * (throws as Node's own APIs do) and returns what to send; undefined: omit it
     */
    write: (value: unknown, name: string) => unknown;
    /**
     * `"wire":`, as written before its value (set by {@link param})
     */
    key: string;
};
/**
 * One method.
 */
export type Call = {
    /**
     * its name on the wire
     */
    method: string;
    params: Param[];
    /**
     * turns the wire's result into what the Promise resolves with; undefined: unchanged
     */
    read: ((result: any) => any) | undefined;
};
/**
 * What the system reports about a process (`inspect`, Linux only).
 */
export type ProcessInfo = {
    pid: number;
    ppid: number;
    pgid: number;
    sid: number;
    /**
     * real uid
     */
    uid: number;
    /**
     * one letter, e.g. `'S'`, `'R'`, `'Z'` (a zombie)
     */
    state: string;
    /**
     * the command name (at most 15 bytes on Linux)
     */
    comm: string;
    /**
     * field 22 of `/proc/<pid>/stat`, a decimal string: with the pid, it names one process
     */
    startTime: string;
};
/**
 * A child (or descendant) of a process (`children`, Linux only).
 */
export type ChildInfo = {
    pid: number;
    ppid: number;
    startTime: string;
    comm: string;
};
/**
 * One process of a tree that `terminate` with `tree: true` stopped.
 */
export type Member = {
    pid: number;
    startTime: string;
    /**
     * it has terminated
     */
    exited: boolean;
    /**
     * the escalation signal was delivered to it
     */
    escalated: boolean;
    /**
     * the policy's reason, when it was refused (then it was neither stopped nor signalled)
     */
    refused?: string;
};
/**
 * The outcome of `terminate` (and `Process#stop`).
 */
export type Termination = {
    /**
     * the process (with `tree`: every member) has terminated
     */
    exited: boolean;
    /**
     * the escalation signal was delivered
     */
    escalated: boolean;
    /**
     * the policy's reason when it refused the escalation (nothing was sent)
     */
    refused?: string;
    /**
     * how long it took, in milliseconds
     */
    elapsedMs: number;
    /**
     * with `tree: true`: every member of the tree
     */
    members?: Member[];
    /**
     * with `tree: true`: whether `method` rules out a process forked
     * by a member during the call escaping the tree (a double fork), rather than making it unlikely
     */
    complete?: boolean;
    /**
     * with `tree: true`: how the members were found
     */
    method?: "listing" | "fork-events";
};
