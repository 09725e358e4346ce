// Type declarations for sigrpc (hand-written; `npm run typecheck` checks them
// against test/types-check.ts).

/** A signal as `process.kill` users write it: `'SIGTERM'`, `'TERM'`, `'term'`, `'RTMIN+1'`, or a number such as `os.constants.signals.SIGTERM`. */
export type SignalLike = string | number;

/** Options of `new Client()` and `Client.start()`. */
export interface ClientOptions {
  /** Path (or name on `PATH`) of the helper. Default: `$SIGRPC_BIN`, else `sigrpc` on `PATH`. */
  command?: string;
  /** Extra helper flags, e.g. `['--descendants-only']` or `['--allow-uid', '1000']`. */
  args?: readonly string[];
  /** Default per-call timeout in milliseconds; 0 (the default) means none. */
  timeout?: number;
  /** Do not keep the event loop alive while no call is pending (see `Client#unref`). */
  unref?: boolean;
}

/** Options every call takes. */
export interface CallOptions {
  /** Reject with `ERR_SIGRPC_TIMEOUT` after this many milliseconds; 0 means none. Overrides the client's default. */
  timeout?: number;
  /** Reject with an `AbortError` (`code: 'ABORT_ERR'`) when this signal aborts. */
  signal?: AbortSignal;
}

/** Options of `kill`. */
export interface KillOptions extends CallOptions {
  /** Send only if the process still has this start time (from `inspect`); else ESRCH with `reason: 'start_time mismatch'`. */
  startTime?: string;
}

/** Options of `signame`. */
export interface SignameOptions extends CallOptions {
  /** Also read a shell exit status 128 + n (`143` → `'TERM'`). */
  exitStatus?: boolean;
}

/** Options of `terminate`. */
export interface TerminateOptions extends CallOptions {
  /** Milliseconds to wait for the process to go after the first signal. Default 5000. */
  grace?: number;
  /** Signal sent if it has not gone; `null`: never escalate. Default `'KILL'`. */
  escalate?: SignalLike | null;
  /** Milliseconds to wait after `escalate`. Default 1000. */
  escalateGrace?: number;
  /** Act only if the process still has this start time (from `inspect`). */
  startTime?: string;
}

/** What the system reports about a process (`inspect`, Linux only). */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  /** Real uid. */
  uid: number;
  /** One letter, e.g. `'S'`, `'R'`, `'Z'`. */
  state: string;
  comm: string;
  /** Field 22 of `/proc/<pid>/stat`, as a decimal string: pass it to `kill` and `terminate`. */
  startTime: string;
}

/** The outcome of `terminate`. */
export interface Termination {
  /** The process has terminated. */
  exited: boolean;
  /** The escalation signal was sent. */
  escalated: boolean;
  elapsedMs: number;
}

/**
 * A connection to one sigrpc helper process. Every method returns a Promise;
 * any number of calls may be in flight at once.
 *
 * @example
 * await using client = await Client.start();
 * await client.kill(child.pid, 'SIGTERM');
 */
export class Client implements AsyncDisposable {
  /**
   * Spawn the helper; calls may be made at once.
   * @throws Error with `code: 'ENOENT'` if no helper is found (the message says what was tried).
   */
  constructor(options?: ClientOptions);
  /** Spawn the helper and wait (up to 10 s) for its first answer; rejects with `HelperExitedError` if it cannot serve (bad `args`, ...). */
  static start(options?: ClientOptions): Promise<Client>;
  /** The helper's process id; undefined if it failed to start. */
  readonly pid: number | undefined;
  /** Send any request (positional or named params); resolves with the raw `result`. */
  call(method: string, params?: readonly unknown[] | Record<string, unknown>, options?: CallOptions): Promise<unknown>;
  /** The number of a signal name, `null` if unknown; a number comes back unchanged. */
  signum(name: SignalLike, options?: CallOptions): Promise<number | null>;
  /** Send a signal (default `'TERM'`; `0`/`'NONE'` checks existence), as `process.kill` does. */
  kill(pid: number, signal?: SignalLike, options?: KillOptions): Promise<true>;
  /** Every signal name this platform knows (no `SIG` prefix, no real-time names) with its number. */
  signals(options?: CallOptions): Promise<Record<string, number>>;
  /** The canonical name of a signal number (`15` → `'TERM'`), `null` if none. */
  signame(number: number, options?: SignameOptions): Promise<string | null>;
  /** What the system reports about a process (Linux only; `-32002` elsewhere). */
  inspect(pid: number, options?: CallOptions): Promise<ProcessInfo>;
  /** Whether the process terminates (a zombie counts) within `ms` milliseconds (default 0: check once). Any process, not only children. */
  wait(pid: number, ms?: number, options?: CallOptions): Promise<boolean>;
  /** Send `signal`, wait `grace` ms, escalate (default `'KILL'`) and wait `escalateGrace` ms; on Linux through one pidfd. */
  terminate(pid: number, signal?: SignalLike, options?: TerminateOptions): Promise<Termination>;
  /** End the helper: pending calls are still answered, later calls reject. Idempotent; never rejects. */
  close(): Promise<void>;
  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
  /** Let the event loop exit while no call is pending, even if never closed. */
  unref(): this;
  /** Undo `unref()`. */
  ref(): this;
}

/** Find the helper: `command`, else `$SIGRPC_BIN`, else `sigrpc` on `PATH`; throws `ENOENT` naming what was tried. */
export function findHelper(command?: string): string;

/** JSON-RPC error codes of the sigrpc protocol. */
export const codes: {
  readonly PARSE_ERROR: -32700;
  readonly INVALID_REQUEST: -32600;
  readonly METHOD_NOT_FOUND: -32601;
  readonly INVALID_PARAMS: -32602;
  readonly INTERNAL_ERROR: -32603;
  readonly OS_ERROR: -32000;
  readonly POLICY: -32001;
  readonly UNSUPPORTED: -32002;
};

/** An OS error, shaped like `process.kill`'s: `code` `'ESRCH'`, `'EPERM'`, `'EINVAL'`, ...; `errno` negative; `syscall` `'kill'` (kill, terminate) or the method name. */
export class SystemError extends Error {
  constructor(code: string, errnum: number, syscall: string, text: string, reason?: string);
  code: string;
  errno: number;
  syscall: string;
  /** Why, when the helper says (e.g. `'start_time mismatch'`). */
  reason?: string;
}

/** An unknown signal name (a `TypeError`, as `process.kill(pid, 'FOO')` throws). */
export class UnknownSignalError extends TypeError {
  constructor(signal: unknown);
  code: 'ERR_UNKNOWN_SIGNAL';
  /** The signal as sent. */
  signal: unknown;
}

/** The helper's policy refused; nothing was sent. */
export class PolicyError extends Error {
  constructor(message: string, reason: string);
  code: 'ERR_SIGRPC_POLICY';
  /** `'broadcast'`, `'process-group'`, `'self'`, `'uid'` or `'not-descendant'`. */
  reason: string;
}

/** The helper is gone (exited, killed, failed to start, or the client was closed); every pending and later call rejects with one. */
export class HelperExitedError extends Error {
  constructor(
    message: string,
    info?: { exitCode?: number | null; signal?: string | null; stderr?: string; cause?: unknown },
  );
  code: 'ERR_SIGRPC_HELPER_EXITED';
  /** Exit code; null if killed by a signal or not known. */
  exitCode: number | null;
  /** The signal that killed the helper, e.g. `'SIGKILL'`. */
  signal: string | null;
  /** The last (up to 4 KiB) bytes of the helper's stderr. */
  stderr: string;
}

/** A call's `timeout` passed; its late answer is discarded (the helper may still act on the request). */
export class TimeoutError extends Error {
  constructor(method: string, timeout: number);
  code: 'ERR_SIGRPC_TIMEOUT';
  method: string;
  timeout: number;
}

/** A call's `AbortSignal` fired; `cause` is the signal's reason. */
export class AbortError extends Error {
  constructor(reason?: unknown);
  code: 'ABORT_ERR';
  name: 'AbortError';
}

/** Any other JSON-RPC error: `code` is the JSON-RPC code (e.g. -32601), `data` its data member. */
export class RPCError extends Error {
  constructor(code: number, message: string, data?: unknown);
  code: number;
  data: unknown;
}
