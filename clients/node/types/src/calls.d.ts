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
 * 0 and negative pids (process groups, -1) are left to the helper's policy.
 * @param {unknown} value
 * @param {string} name
 * @returns {number}
 */
export function pidArg(value: unknown, name: string): number;
/**
 * The pid of one process, as `inspect`, `wait`, `terminate` and `children`
 * take it: a pid (see {@link pidArg}) that is positive, else an
 * `ERR_OUT_OF_RANGE` RangeError (0 and negative pids name process groups,
 * which only `kill` may be allowed to signal).
 * @param {unknown} value
 * @param {string} name
 * @returns {number}
 */
export function processIdArg(value: unknown, name: string): number;
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
 * How long `wait` waits: any number of milliseconds from 0, `Infinity`
 * included. The client makes a wait over 24 h of one request after
 * another; one request asks for at most 24 h.
 * @param {unknown} value
 * @param {string} name
 * @returns {number | undefined}
 */
export function waitMillisArg(value: unknown, name: string): number | undefined;
/**
 * A start time from `inspect`: 1 to 20 decimal digits. Anything else, the
 * empty string included, would be no guard at all.
 * @param {unknown} value
 * @param {string} name
 * @returns {string | undefined}
 */
export function startTimeArg(value: unknown, name: string): string | undefined;
/**
 * A call's deadline in milliseconds (`rpcTimeout`), as given: a number
 * from 0 (none).
 * @param {unknown} value
 * @param {string} name
 * @returns {number | undefined}
 */
export function rpcTimeoutArg(value: unknown, name: string): number | undefined;
/**
 * A call's `signal`: an `AbortSignal` (not a POSIX signal).
 * @param {unknown} value
 * @param {string} name
 * @returns {AbortSignal | undefined}
 */
export function abortSignalArg(value: unknown, name: string): AbortSignal | undefined;
/**
 * A call's options argument: undefined, null or an object (not an array).
 * @param {unknown} value
 * @returns {Readonly<Record<string, unknown>> | undefined}
 */
export function optionsArg(value: unknown): Readonly<Record<string, unknown>> | undefined;
/**
 * Write a call's params as the JSON of a named-params object.
 *
 * @param {Call} call
 * @param {readonly unknown[]} args the positional arguments, in order
 * @param {unknown} options the options argument: undefined, null or an object
 * @returns {string} `,"params":{...}`, or empty if there is nothing to send
 * @throws {TypeError | RangeError} a value the method cannot take, as Node's own APIs throw
 */
export function writeParams(call: Call, args: readonly unknown[], options: unknown): string;
/** The longest wait one request may ask of the helper (its limit for `timeout_ms`): 24 h. */
export const MAX_WAIT_MS: 86400000;
/**
 * Every kind of argument the calls take, by name: each checks a value as
 * given, throwing as Node's own APIs do (`ERR_INVALID_ARG_TYPE`,
 * `ERR_OUT_OF_RANGE`, `ERR_INVALID_ARG_VALUE`, and `ERR_UNKNOWN_SIGNAL` as
 * `process.kill` throws it), and returns what to send (undefined: nothing).
 * The helper's rules, applied before anything is sent.
 */
export const KINDS: Readonly<{
    /** kill's pid: any C `int` (0 and below: groups and -1, which the helper's policy judges) */
    pid: typeof pidArg;
    /** a positive C `int`: one process */
    processId: typeof processIdArg;
    /** a signal name or an int32, undefined or null for the default */
    signal: typeof signalArg;
    /** a signal, or null for none */
    escalate: typeof escalateArg;
    /** signum's name: a string or a safe integer */
    signalName: typeof signalNameArg;
    /** a safe integer */
    integer: typeof integerArg;
    /** 0 to 24 h in milliseconds */
    millis: typeof millisArg;
    /** 0 to Infinity milliseconds (wait makes longer waits of several requests) */
    waitMillis: typeof waitMillisArg;
    boolean: typeof booleanArg;
    /** a boolean, sent only when true */
    flag: typeof flagArg;
    /** 1 to 20 decimal digits, from inspect */
    startTime: typeof startTimeArg;
    /** a call's deadline: milliseconds from 0 (none) */
    rpcTimeout: typeof rpcTimeoutArg;
    /** an AbortSignal */
    abortSignal: typeof abortSignalArg;
}>;
/** @typedef {keyof typeof KINDS} Kind */
/**
 * An option every call takes, with its kind; the client checks these
 * itself (they are not sent).
 * @typedef {object} CallOption
 * @property {string} option its name in the options object
 * @property {Kind} kind
 */
/** @type {readonly CallOption[]} The options every call takes besides its params'. */
export const CALL_OPTIONS: readonly CallOption[];
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
     * what it takes: its entry in {@link KINDS}, which checks a value as given
     */
    kind: Kind;
    /**
     * checks a value as given
     * (throws as Node's own APIs do) and returns what to send; undefined: omit it (set by {@link param}
     * from {@link KINDS})
     */
    write: (value: unknown, name: string) => unknown;
    /**
     * its name in errors: the wire's for a positional argument, else
     * `options.<option>`, as Node names an option (set by {@link param})
     */
    name: string;
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
export type Kind = keyof typeof KINDS;
/**
 * An option every call takes, with its kind; the client checks these
 * itself (they are not sent).
 */
export type CallOption = {
    /**
     * its name in the options object
     */
    option: string;
    kind: Kind;
};
/**
 * `escalate`: a signal, or null for none.
 * @param {unknown} value
 * @returns {string | number | null | undefined}
 */
declare function escalateArg(value: unknown): string | number | null | undefined;
/**
 * What `signum` looks up: a name, or an integer it returns unchanged.
 * @param {unknown} value
 * @param {string} name
 * @returns {string | number}
 */
declare function signalNameArg(value: unknown, name: string): string | number;
/**
 * An integer, as Node's own APIs check one: not a number is an
 * `ERR_INVALID_ARG_TYPE` TypeError, a number that is not a safe integer
 * an `ERR_OUT_OF_RANGE` RangeError.
 * @param {unknown} value
 * @param {string} name
 * @returns {number}
 */
declare function integerArg(value: unknown, name: string): number;
/**
 * @param {unknown} value
 * @param {string} name
 * @returns {boolean | undefined}
 */
declare function booleanArg(value: unknown, name: string): boolean | undefined;
/**
 * A param newer helpers add: sent only when true, so that an older helper,
 * which would refuse an unknown param, still serves every other call.
 * @param {unknown} value
 * @param {string} name
 * @returns {true | undefined}
 */
declare function flagArg(value: unknown, name: string): true | undefined;
export {};
