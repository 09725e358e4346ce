// Error classes, and the mapping from JSON-RPC errors to errors shaped like
// the ones Node's own APIs throw (process.kill, child_process, timers).

/** JSON-RPC error codes of the sigrpc protocol (PROTOCOL.md section 4). */
export const codes = Object.freeze({
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  OS_ERROR: -32000,
  POLICY: -32001,
  UNSUPPORTED: -32002,
});

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
   */
  constructor(code, errnum, syscall, text, reason) {
    super(`${syscall} ${code}: ${text}${reason ? ` (${reason})` : ''}`);
    /** @type {string} */
    this.code = code;
    /** @type {number} */
    this.errno = -errnum;
    /** @type {string} */
    this.syscall = syscall;
    if (reason) {
      /** @type {string | undefined} */
      this.reason = reason;
    }
  }
}

/** An unknown signal name, like the `TypeError` `process.kill(pid, 'FOO')` throws. */
export class UnknownSignalError extends TypeError {
  /** @param {unknown} signal the signal as it was sent */
  constructor(signal) {
    super(`Unknown signal: ${String(signal)}`);
    /** @type {'ERR_UNKNOWN_SIGNAL'} */
    this.code = 'ERR_UNKNOWN_SIGNAL';
    /** @type {unknown} */
    this.signal = signal;
  }
}

/** The helper's safety policy refused the request; nothing was sent. */
export class PolicyError extends Error {
  /**
   * @param {string} message the helper's message
   * @param {string} reason `'broadcast'`, `'process-group'`, `'self'`, `'uid'` or `'not-descendant'`
   */
  constructor(message, reason) {
    super(message);
    /** @type {'ERR_SIGRPC_POLICY'} */
    this.code = 'ERR_SIGRPC_POLICY';
    /** @type {string} */
    this.reason = reason;
  }
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
  constructor(message, info = {}) {
    super(message, info.cause === undefined ? undefined : { cause: info.cause });
    /** @type {'ERR_SIGRPC_HELPER_EXITED'} */
    this.code = 'ERR_SIGRPC_HELPER_EXITED';
    /** @type {number | null} the helper's exit code, null if killed by a signal or unknown */
    this.exitCode = info.exitCode ?? null;
    /** @type {string | null} the signal that killed the helper, e.g. `'SIGKILL'` */
    this.signal = info.signal ?? null;
    /** @type {string} the last bytes the helper wrote to stderr */
    this.stderr = info.stderr ?? '';
  }
}

/** A call's `timeout` passed before its answer came; the late answer is discarded. */
export class TimeoutError extends Error {
  /**
   * @param {string} method the method called
   * @param {number} timeout the timeout, in milliseconds
   */
  constructor(method, timeout) {
    super(`sigrpc ${method} timed out after ${timeout} ms`);
    /** @type {'ERR_SIGRPC_TIMEOUT'} */
    this.code = 'ERR_SIGRPC_TIMEOUT';
    /** @type {string} */
    this.method = method;
    /** @type {number} */
    this.timeout = timeout;
  }
}

/** A call's `AbortSignal` fired, like Node's own `AbortError` (`cause` is the signal's reason). */
export class AbortError extends Error {
  /** @param {unknown} [reason] the signal's reason */
  constructor(reason) {
    super('The operation was aborted', reason === undefined ? undefined : { cause: reason });
    /** @type {'ABORT_ERR'} */
    this.code = 'ABORT_ERR';
    this.name = 'AbortError';
  }
}

/** Any other JSON-RPC error: `code` is the JSON-RPC code (a number), `data` its data member. */
export class RPCError extends Error {
  /**
   * @param {number} code JSON-RPC error code, e.g. -32601
   * @param {string} message the error's message
   * @param {unknown} [data] the error's data member
   */
  constructor(code, message, data) {
    super(message);
    /** @type {number} */
    this.code = code;
    /** @type {unknown} */
    this.data = data;
  }
}

/**
 * Return the error for a JSON-RPC `error` member answered to `method`.
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
    return new SystemError(data.errno, Number(data.errnum) || 0, syscall, message, reason);
  }
  if (code === codes.INVALID_PARAMS && message === 'unknown signal name') {
    return new UnknownSignalError(data?.signal);
  }
  if (code === codes.POLICY) {
    return new PolicyError(message, typeof data?.reason === 'string' ? data.reason : '');
  }
  return new RPCError(code, message, error.data);
}
