/**
 * The error for a JSON-RPC `error` member answered to `method`.
 *
 * @param {{code?: unknown, message?: unknown, data?: unknown}} error the response's error member
 * @param {string} method the method that was called
 * @returns {Error}
 */
export function fromRPCError(error: {
    code?: unknown;
    message?: unknown;
    data?: unknown;
}, method: string): Error;
/**
 * A `TypeError` with `code: 'ERR_INVALID_ARG_TYPE'`, as Node's own APIs throw.
 * @param {string} name the argument's name, or `options.<name>` for an option
 * @param {string} expected e.g. `'of type number'`, `'a string or an integer'`
 * @param {unknown} value what was passed
 * @returns {TypeError & {code: 'ERR_INVALID_ARG_TYPE'}}
 */
export function invalidArgType(name: string, expected: string, value: unknown): TypeError & {
    code: "ERR_INVALID_ARG_TYPE";
};
/**
 * A `TypeError` with `code: 'ERR_INVALID_ARG_VALUE'`, as Node's own APIs throw.
 * @param {string} name the argument or option
 * @param {string} reason e.g. `'must be decimal digits'`
 * @param {unknown} value what was passed
 * @returns {TypeError & {code: 'ERR_INVALID_ARG_VALUE'}}
 */
export function invalidArgValue(name: string, reason: string, value: unknown): TypeError & {
    code: "ERR_INVALID_ARG_VALUE";
};
/**
 * A `RangeError` with `code: 'ERR_OUT_OF_RANGE'`, as Node's own APIs throw.
 * @param {string} name the argument or option
 * @param {string} expected e.g. `'>= 0'`
 * @param {unknown} value what was passed
 * @returns {RangeError & {code: 'ERR_OUT_OF_RANGE'}}
 */
export function outOfRange(name: string, expected: string, value: unknown): RangeError & {
    code: "ERR_OUT_OF_RANGE";
};
/** JSON-RPC error codes of the sigrpc protocol (PROTOCOL.md section 4). */
export const codes: Readonly<{
    PARSE_ERROR: -32700;
    INVALID_REQUEST: -32600;
    METHOD_NOT_FOUND: -32601;
    INVALID_PARAMS: -32602;
    INTERNAL_ERROR: -32603;
    OS_ERROR: -32000;
    POLICY: -32001;
    UNSUPPORTED: -32002;
}>;
/**
 * An operating-system error reported by the helper, shaped like the error
 * `process.kill` throws: `code` is the errno name (`'ESRCH'`, `'EPERM'`,
 * `'EINVAL'`, ...), `errno` the negated number (as libuv reports it) and
 * `syscall` is `'kill'` for `kill` and `terminate`, else the method name.
 */
export class SystemError extends Error {
    /**
     * @param {string} code errno name, e.g. `'ESRCH'`
     * @param {number} errnum positive errno number, e.g. 3
     * @param {string} syscall `'kill'`, or the method name
     * @param {string} text the C library's text, e.g. `'No such process'`
     * @param {string} [reason] why, when the helper says, e.g. `'start_time mismatch'`
     * @param {number} [rpcCode] the JSON-RPC code, when the helper answered one
     */
    constructor(code: string, errnum: number, syscall: string, text: string, reason?: string, rpcCode?: number);
    /** The errno name, e.g. `'ESRCH'`. @type {string} */
    code: string;
    /** The negated errno number, as `process.kill` reports it (ESRCH: -3). @type {number} */
    errno: number;
    /** `'kill'` for `kill`, `terminate` and a process handle's signals, else the method name. @type {string} */
    syscall: string;
    /** Why, when the helper says (e.g. `'start_time mismatch'`). @type {string | undefined} */
    reason: string | undefined;
    /** The JSON-RPC code (-32000) when the helper answered the error; undefined when the client found it. @type {number | undefined} */
    rpcCode: number | undefined;
}
/** An unknown signal name, like the `TypeError` `process.kill(pid, 'FOO')` throws. */
export class UnknownSignalError extends TypeError {
    /**
     * @param {unknown} signal the signal as it was given
     * @param {number} [rpcCode] the JSON-RPC code (-32602) when the helper answered it
     */
    constructor(signal: unknown, rpcCode?: number);
    /** @type {'ERR_UNKNOWN_SIGNAL'} */
    code: "ERR_UNKNOWN_SIGNAL";
    /** The signal as given. @type {unknown} */
    signal: unknown;
    /** The JSON-RPC code (-32602) when the helper said so; undefined when the client could tell. @type {number | undefined} */
    rpcCode: number | undefined;
}
/** The helper's safety policy refused the request; nothing was sent. */
export class PolicyError extends Error {
    /**
     * @param {string} message the helper's message
     * @param {string} reason `'broadcast'`, `'process-group'`, `'self'`, `'init'`, `'uid'` or `'not-descendant'` (tree roots also `'ancestor'`)
     */
    constructor(message: string, reason: string);
    /** @type {'ERR_SIGRPC_POLICY'} */
    code: "ERR_SIGRPC_POLICY";
    /** `'broadcast'`, `'process-group'`, `'self'`, `'init'`, `'uid'` or `'not-descendant'` (tree roots also `'ancestor'`). @type {string} */
    reason: string;
    /** @type {-32001} */
    rpcCode: -32001;
}
/**
 * The helper is gone: it exited, was killed, failed to start, or the client
 * was closed. Every pending call and every later call rejects with one.
 */
export class HelperExitedError extends Error {
    /**
     * @param {string} message what happened
     * @param {{exitCode?: number | null, signal?: string | null, stderr?: string, cause?: unknown}} [info]
     */
    constructor(message: string, info?: {
        exitCode?: number | null;
        signal?: string | null;
        stderr?: string;
        cause?: unknown;
    });
    /** @type {'ERR_SIGRPC_HELPER_EXITED'} */
    code: "ERR_SIGRPC_HELPER_EXITED";
    /** The helper's exit code; null if killed by a signal, still running (closed) or unknown. @type {number | null} */
    exitCode: number | null;
    /** The signal that killed the helper, e.g. `'SIGKILL'`. @type {string | null} */
    signal: string | null;
    /** The last (up to 4 KiB) of what the helper wrote to stderr. @type {string} */
    stderr: string;
}
/** A call's `rpcTimeout` passed before its answer came; the late answer is discarded. */
export class TimeoutError extends Error {
    /**
     * @param {string} method the method called
     * @param {number} timeout the deadline, in milliseconds
     */
    constructor(method: string, timeout: number);
    /** @type {'ERR_SIGRPC_TIMEOUT'} */
    code: "ERR_SIGRPC_TIMEOUT";
    /** @type {string} */
    method: string;
    /** The deadline, in milliseconds. @type {number} */
    timeout: number;
}
/** A call's `AbortSignal` fired, like Node's own `AbortError` (`cause` is the signal's reason). */
export class AbortError extends Error {
    /** @param {unknown} [reason] the signal's reason */
    constructor(reason?: unknown);
    /** @type {'ABORT_ERR'} */
    code: "ABORT_ERR";
}
/**
 * Any other JSON-RPC error. `code` is a string naming the JSON-RPC code
 * (`'ERR_SIGRPC_METHOD_NOT_FOUND'`, `'ERR_SIGRPC_INVALID_PARAMS'`,
 * `'ERR_SIGRPC_UNSUPPORTED'`, ...; `'ERR_SIGRPC_RPC'` for a code the
 * protocol does not define), `rpcCode` the number, `data` the error's data.
 */
export class RPCError extends Error {
    /**
     * @param {number} rpcCode JSON-RPC error code, e.g. -32601
     * @param {string} message the error's message
     * @param {unknown} [data] the error's data member
     */
    constructor(rpcCode: number, message: string, data?: unknown);
    /** @type {string} */
    code: string;
    /** The JSON-RPC code, e.g. -32601. @type {number} */
    rpcCode: number;
    /** The error's `data` member, e.g. `{ param: 'pid' }`. @type {unknown} */
    data: unknown;
}
