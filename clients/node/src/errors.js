// Error classes, and the mapping from JSON-RPC errors to errors shaped like
// the ones Node's own APIs throw (process.kill, child_process, timers).
//
// Every error this package makes has a string `code`. An error that came
// from a JSON-RPC error also has `rpcCode`, the number the helper answered.

/** JSON-RPC error codes of the sigrpc protocol (PROTOCOL.md section 4). */
export const codes = Object.freeze({
  PARSE_ERROR: /** @type {-32700} */ (-32700),
  INVALID_REQUEST: /** @type {-32600} */ (-32600),
  METHOD_NOT_FOUND: /** @type {-32601} */ (-32601),
  INVALID_PARAMS: /** @type {-32602} */ (-32602),
  INTERNAL_ERROR: /** @type {-32603} */ (-32603),
  OS_ERROR: /** @type {-32000} */ (-32000),
  POLICY: /** @type {-32001} */ (-32001),
  UNSUPPORTED: /** @type {-32002} */ (-32002),
});

/** The string `code` of an {@link RPCError}, by JSON-RPC code. */
const RPC_ERROR_CODES = new Map([
  [codes.PARSE_ERROR, 'ERR_SIGRPC_PARSE_ERROR'],
  [codes.INVALID_REQUEST, 'ERR_SIGRPC_INVALID_REQUEST'],
  [codes.METHOD_NOT_FOUND, 'ERR_SIGRPC_METHOD_NOT_FOUND'],
  [codes.INVALID_PARAMS, 'ERR_SIGRPC_INVALID_PARAMS'],
  [codes.INTERNAL_ERROR, 'ERR_SIGRPC_INTERNAL_ERROR'],
  [codes.OS_ERROR, 'ERR_SIGRPC_OS_ERROR'],
  [codes.UNSUPPORTED, 'ERR_SIGRPC_UNSUPPORTED'],
]);

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
  constructor(code, errnum, syscall, text, reason, rpcCode) {
    super(`${syscall} ${code}: ${text}${reason ? ` (${reason})` : ''}`);
    /** The errno name, e.g. `'ESRCH'`. @type {string} */
    this.code = code;
    /** The negated errno number, as `process.kill` reports it (ESRCH: -3). @type {number} */
    this.errno = -errnum;
    /** `'kill'` for `kill`, `terminate` and a process handle's signals, else the method name. @type {string} */
    this.syscall = syscall;
    /** Why, when the helper says (e.g. `'start_time mismatch'`). @type {string | undefined} */
    this.reason = reason;
    /** The JSON-RPC code (-32000) when the helper answered the error; undefined when the client found it. @type {number | undefined} */
    this.rpcCode = rpcCode;
  }
}
setName(SystemError);

/** An unknown signal name, like the `TypeError` `process.kill(pid, 'FOO')` throws. */
export class UnknownSignalError extends TypeError {
  /**
   * @param {unknown} signal the signal as it was given
   * @param {number} [rpcCode] the JSON-RPC code (-32602) when the helper answered it
   */
  constructor(signal, rpcCode) {
    super(`Unknown signal: ${String(signal)}`);
    /** @type {'ERR_UNKNOWN_SIGNAL'} */
    this.code = 'ERR_UNKNOWN_SIGNAL';
    /** The signal as given. @type {unknown} */
    this.signal = signal;
    /** The JSON-RPC code (-32602) when the helper said so; undefined when the client could tell. @type {number | undefined} */
    this.rpcCode = rpcCode;
  }
}
setName(UnknownSignalError);

/** The helper's safety policy refused the request; nothing was sent. */
export class PolicyError extends Error {
  /**
   * @param {string} message the helper's message
   * @param {string} reason `'broadcast'`, `'process-group'`, `'self'`, `'init'`, `'uid'` or `'not-descendant'` (tree roots also `'ancestor'`)
   */
  constructor(message, reason) {
    super(message);
    /** @type {'ERR_SIGRPC_POLICY'} */
    this.code = 'ERR_SIGRPC_POLICY';
    /** `'broadcast'`, `'process-group'`, `'self'`, `'init'`, `'uid'` or `'not-descendant'` (tree roots also `'ancestor'`). @type {string} */
    this.reason = reason;
    /** @type {-32001} */
    this.rpcCode = codes.POLICY;
  }
}
setName(PolicyError);

/**
 * The helper is gone: it exited, was killed, failed to start, or the client
 * was closed. Every pending call and every later call rejects with one.
 */
export class HelperExitedError extends Error {
  /**
   * @param {string} message what happened
   * @param {{exitCode?: number | null, signal?: string | null, stderr?: string, cause?: unknown}} [info]
   */
  constructor(message, info = {}) {
    super(message, info.cause === undefined ? undefined : { cause: info.cause });
    /** @type {'ERR_SIGRPC_HELPER_EXITED'} */
    this.code = 'ERR_SIGRPC_HELPER_EXITED';
    /** The helper's exit code; null if killed by a signal, still running (closed) or unknown. @type {number | null} */
    this.exitCode = info.exitCode ?? null;
    /** The signal that killed the helper, e.g. `'SIGKILL'`. @type {string | null} */
    this.signal = info.signal ?? null;
    /** The last (up to 4 KiB) of what the helper wrote to stderr. @type {string} */
    this.stderr = info.stderr ?? '';
  }
}
setName(HelperExitedError);

/** A call's `rpcTimeout` passed before its answer came; the late answer is discarded. */
export class TimeoutError extends Error {
  /**
   * @param {string} method the method called
   * @param {number} timeout the deadline, in milliseconds
   */
  constructor(method, timeout) {
    super(`sigrpc ${method} got no answer within ${timeout} ms`);
    /** @type {'ERR_SIGRPC_TIMEOUT'} */
    this.code = 'ERR_SIGRPC_TIMEOUT';
    /** @type {string} */
    this.method = method;
    /** The deadline, in milliseconds. @type {number} */
    this.timeout = timeout;
  }
}
setName(TimeoutError);

/** A call's `AbortSignal` fired, like Node's own `AbortError` (`cause` is the signal's reason). */
export class AbortError extends Error {
  /** @param {unknown} [reason] the signal's reason */
  constructor(reason) {
    super('The operation was aborted', reason === undefined ? undefined : { cause: reason });
    /** @type {'ABORT_ERR'} */
    this.code = 'ABORT_ERR';
  }
}
setName(AbortError);

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
  constructor(rpcCode, message, data) {
    super(message);
    /** @type {string} */
    this.code = RPC_ERROR_CODES.get(/** @type {any} */ (rpcCode)) ?? 'ERR_SIGRPC_RPC';
    /** The JSON-RPC code, e.g. -32601. @type {number} */
    this.rpcCode = rpcCode;
    /** The error's `data` member, e.g. `{ param: 'pid' }`. @type {unknown} */
    this.data = data;
  }
}
setName(RPCError);

/**
 * Give a class's instances its name (on the prototype, as Node's own errors
 * have theirs), so that stack traces and `err.name` say which it is.
 * @param {Function} cls
 */
function setName(cls) {
  Object.defineProperty(cls.prototype, 'name', { value: cls.name, writable: true, configurable: true });
}

/**
 * The error for a JSON-RPC `error` member answered to `method`.
 *
 * @param {{code?: unknown, message?: unknown, data?: unknown}} error the response's error member
 * @param {string} method the method that was called
 * @returns {Error}
 */
export function fromRPCError(error, method) {
  const code = typeof error.code === 'number' ? error.code : 0;
  const message = typeof error.message === 'string' ? error.message : '';
  const data = /** @type {Record<string, unknown> | null} */ (
    error.data !== null && typeof error.data === 'object' ? error.data : null
  );
  if (code === codes.OS_ERROR && data && typeof data.errno === 'string') {
    const syscall = method === 'kill' || method === 'terminate' ? 'kill' : method;
    const reason = typeof data.reason === 'string' ? data.reason : undefined;
    return new SystemError(data.errno, Number(data.errnum) || 0, syscall, message, reason, code);
  }
  if (code === codes.INVALID_PARAMS && data?.reason === 'unknown-signal') {
    return new UnknownSignalError(data.signal, code);
  }
  if (code === codes.POLICY) {
    return new PolicyError(message, typeof data?.reason === 'string' ? data.reason : '');
  }
  return new RPCError(code, message, error.data);
}

/**
 * How Node's own argument errors describe the value they got.
 * @param {unknown} value
 */
function received(value) {
  if (value === null || value === undefined) return ` Received ${value}`;
  if (typeof value === 'function') return ` Received function ${value.name || '<anonymous>'}`;
  if (typeof value === 'object') {
    const name = /** @type {any} */ (value).constructor?.name;
    return name ? ` Received an instance of ${name}` : ' Received an object';
  }
  let shown = typeof value === 'string' ? `'${value.length > 25 ? `${value.slice(0, 25)}...` : value}'` : String(value);
  if (typeof value === 'bigint') shown += 'n';
  return ` Received type ${typeof value} (${shown})`;
}

/**
 * A `TypeError` with `code: 'ERR_INVALID_ARG_TYPE'`, as Node's own APIs throw.
 * @param {string} name the argument's name, or `options.<name>` for an option
 * @param {string} expected e.g. `'of type number'`, `'a string or an integer'`
 * @param {unknown} value what was passed
 * @returns {TypeError & {code: 'ERR_INVALID_ARG_TYPE'}}
 */
export function invalidArgType(name, expected, value) {
  // As Node words it: an option (`options.timeout`) is a property, not an argument.
  const what = name.includes('.') ? 'property' : 'argument';
  const err = /** @type {TypeError & {code: 'ERR_INVALID_ARG_TYPE'}} */ (
    new TypeError(`The "${name}" ${what} must be ${expected}.${received(value)}`)
  );
  err.code = 'ERR_INVALID_ARG_TYPE';
  return err;
}

/**
 * A `TypeError` with `code: 'ERR_INVALID_ARG_VALUE'`, as Node's own APIs throw.
 * @param {string} name the argument or option
 * @param {string} reason e.g. `'must be decimal digits'`
 * @param {unknown} value what was passed
 * @returns {TypeError & {code: 'ERR_INVALID_ARG_VALUE'}}
 */
export function invalidArgValue(name, reason, value) {
  const err = /** @type {TypeError & {code: 'ERR_INVALID_ARG_VALUE'}} */ (
    new TypeError(`The argument '${name}' ${reason}. Received ${JSON.stringify(value)}`)
  );
  err.code = 'ERR_INVALID_ARG_VALUE';
  return err;
}

/**
 * A `RangeError` with `code: 'ERR_OUT_OF_RANGE'`, as Node's own APIs throw.
 * @param {string} name the argument or option
 * @param {string} expected e.g. `'>= 0'`
 * @param {unknown} value what was passed
 * @returns {RangeError & {code: 'ERR_OUT_OF_RANGE'}}
 */
export function outOfRange(name, expected, value) {
  const err = /** @type {RangeError & {code: 'ERR_OUT_OF_RANGE'}} */ (
    new RangeError(`The value of "${name}" is out of range. It must be ${expected}. Received ${String(value)}`)
  );
  err.code = 'ERR_OUT_OF_RANGE';
  return err;
}
