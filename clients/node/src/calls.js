// The one definition of the helper's methods as this client calls them: for
// each, its params (wire name, the client's name, the default the helper
// applies, and its kind: how a value is checked and written) and how its
// result is read. Client methods are thin wrappers over these, and every
// argument is checked by its kind before anything is sent, as Node's own
// APIs check theirs. test/discover.test.js holds the table against the
// helper's own description (rpc.discover); test/args.test.js tries every
// bad value of every kind on every call.

import { UnknownSignalError, invalidArgType, invalidArgValue, outOfRange } from './errors.js';

/** The longest wait one request may ask of the helper (its limit for `timeout_ms`): 24 h. */
export const MAX_WAIT_MS = 86_400_000;

/** The largest pid, as the C `int` (and `pid_t`) holds it. */
const INT_MAX = 2 ** 31 - 1;

/**
 * One param of a method.
 *
 * @typedef {object} Param
 * @property {string} wire its name on the wire
 * @property {string} [option] its name in the options object; absent: it is the next positional argument
 * @property {boolean} [required] the helper requires it
 * @property {unknown} [default] the value the helper applies when it is omitted, in wire units
 * @property {Kind} kind what it takes: its entry in {@link KINDS}, which checks a value as given
 * @property {(value: unknown, name: string) => unknown} write checks a value as given
 *   (throws as Node's own APIs do) and returns what to send; undefined: omit it (set by {@link param}
 *   from {@link KINDS})
 * @property {string} name its name in errors: the wire's for a positional argument, else
 *   `options.<option>`, as Node names an option (set by {@link param})
 * @property {string} key `"wire":`, as written before its value (set by {@link param})
 */

/**
 * A param, as the table below states it.
 * @param {Omit<Param, 'key' | 'name' | 'write'>} p
 * @returns {Param}
 */
function param(p) {
  const name = p.option === undefined ? p.wire : `options.${p.option}`;
  return { ...p, write: KINDS[p.kind], name, key: JSON.stringify(p.wire) + ':' };
}

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
export function pidArg(value, name) {
  if (typeof value !== 'number' || value !== (value | 0)) {
    throw invalidArgType(name, 'an integer from -2147483648 to 2147483647', value);
  }
  return value;
}

/**
 * The pid of one process, as `inspect`, `wait`, `terminate` and `children`
 * take it: a pid (see {@link pidArg}) that is positive, else an
 * `ERR_OUT_OF_RANGE` RangeError (0 and negative pids name process groups,
 * which only `kill` may be allowed to signal).
 * @param {unknown} value
 * @param {string} name
 * @returns {number}
 */
export function processIdArg(value, name) {
  const pid = pidArg(value, name);
  if (pid <= 0) throw outOfRange(name, `>= 1 and <= ${INT_MAX} (one process; only kill takes process groups)`, value);
  return pid;
}

/**
 * A signal as `process.kill` takes it: a name or an integer; undefined or
 * null mean the default (TERM). Any other value is an unknown signal.
 * Names are checked by the helper, which knows the platform's.
 * @param {unknown} value
 * @returns {string | number | undefined}
 */
export function signalArg(value) {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' || (typeof value === 'number' && value === (value | 0))) return value;
  throw new UnknownSignalError(value);
}

/**
 * `escalate`: a signal, or null for none.
 * @param {unknown} value
 * @returns {string | number | null | undefined}
 */
function escalateArg(value) {
  return value === null ? null : signalArg(value);
}

/**
 * What `signum` looks up: a name, or an integer it returns unchanged.
 * @param {unknown} value
 * @param {string} name
 * @returns {string | number}
 */
function signalNameArg(value, name) {
  if (typeof value === 'string' || Number.isSafeInteger(value)) return /** @type {string | number} */ (value);
  throw invalidArgType(name, 'of type string or an integer', value);
}

/**
 * An integer, as Node's own APIs check one: not a number is an
 * `ERR_INVALID_ARG_TYPE` TypeError, a number that is not a safe integer
 * an `ERR_OUT_OF_RANGE` RangeError.
 * @param {unknown} value
 * @param {string} name
 * @returns {number}
 */
function integerArg(value, name) {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if (!Number.isSafeInteger(value)) throw outOfRange(name, 'an integer', value);
  return value;
}

/**
 * A duration in milliseconds the helper waits: 0 to 24 h, a fraction rounded up.
 * @param {unknown} value
 * @param {string} name
 * @returns {number | undefined}
 */
export function millisArg(value, name) {
  if (value === undefined) return undefined;
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number (milliseconds)', value);
  if (!(value >= 0 && value <= MAX_WAIT_MS)) throw outOfRange(name, `>= 0 and <= ${MAX_WAIT_MS} (milliseconds)`, value);
  return Math.ceil(value);
}

/**
 * How long `wait` waits: any number of milliseconds from 0, `Infinity`
 * included. The client makes a wait over 24 h of one request after
 * another; one request asks for at most 24 h.
 * @param {unknown} value
 * @param {string} name
 * @returns {number | undefined}
 */
export function waitMillisArg(value, name) {
  if (value === undefined) return undefined;
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number (milliseconds)', value);
  if (!(value >= 0)) throw outOfRange(name, '>= 0 (milliseconds; Infinity waits as long as it takes)', value);
  return value > MAX_WAIT_MS ? MAX_WAIT_MS : Math.ceil(value);
}

/**
 * @param {unknown} value
 * @param {string} name
 * @returns {boolean | undefined}
 */
function booleanArg(value, name) {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw invalidArgType(name, 'of type boolean', value);
  return value;
}

/**
 * A param newer helpers add: sent only when true, so that an older helper,
 * which would refuse an unknown param, still serves every other call.
 * @param {unknown} value
 * @param {string} name
 * @returns {true | undefined}
 */
function flagArg(value, name) {
  return booleanArg(value, name) ? true : undefined;
}

/**
 * A start time from `inspect`: 1 to 20 decimal digits. Anything else, the
 * empty string included, would be no guard at all.
 * @param {unknown} value
 * @param {string} name
 * @returns {string | undefined}
 */
export function startTimeArg(value, name) {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidArgType(name, 'of type string (from inspect)', value);
  if (!/^[0-9]{1,20}$/.test(value)) throw invalidArgValue(name, 'must be a start time from inspect (decimal digits)', value);
  return value;
}

/**
 * A call's deadline in milliseconds (`rpcTimeout`), as given: a number
 * from 0 (none).
 * @param {unknown} value
 * @param {string} name
 * @returns {number | undefined}
 */
export function rpcTimeoutArg(value, name) {
  if (value === undefined) return undefined;
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number (milliseconds)', value);
  if (!(value >= 0)) throw outOfRange(name, '>= 0 (milliseconds; 0 for none)', value);
  return value;
}

/**
 * A call's `signal`: an `AbortSignal` (not a POSIX signal).
 * @param {unknown} value
 * @param {string} name
 * @returns {AbortSignal | undefined}
 */
export function abortSignalArg(value, name) {
  if (value === undefined) return undefined;
  if (!(value instanceof AbortSignal)) throw invalidArgType(name, 'an instance of AbortSignal', value);
  return value;
}

/**
 * Every kind of argument the calls take, by name: each checks a value as
 * given, throwing as Node's own APIs do (`ERR_INVALID_ARG_TYPE`,
 * `ERR_OUT_OF_RANGE`, `ERR_INVALID_ARG_VALUE`, and `ERR_UNKNOWN_SIGNAL` as
 * `process.kill` throws it), and returns what to send (undefined: nothing).
 * The helper's rules, applied before anything is sent.
 */
export const KINDS = Object.freeze({
  /** kill's pid: any C `int` (0 and below: groups and -1, which the helper's policy judges) */
  pid: pidArg,
  /** a positive C `int`: one process */
  processId: processIdArg,
  /** a signal name or an int32, undefined or null for the default */
  signal: signalArg,
  /** a signal, or null for none */
  escalate: escalateArg,
  /** signum's name: a string or a safe integer */
  signalName: signalNameArg,
  /** a safe integer */
  integer: integerArg,
  /** 0 to 24 h in milliseconds */
  millis: millisArg,
  /** 0 to Infinity milliseconds (wait makes longer waits of several requests) */
  waitMillis: waitMillisArg,
  boolean: booleanArg,
  /** a boolean, sent only when true */
  flag: flagArg,
  /** 1 to 20 decimal digits, from inspect */
  startTime: startTimeArg,
  /** a call's deadline: milliseconds from 0 (none) */
  rpcTimeout: rpcTimeoutArg,
  /** an AbortSignal */
  abortSignal: abortSignalArg,
});

/** @typedef {keyof typeof KINDS} Kind */

/**
 * An option every call takes, with its kind; the client checks these
 * itself (they are not sent).
 * @typedef {object} CallOption
 * @property {string} option its name in the options object
 * @property {Kind} kind
 */

/** @type {readonly CallOption[]} The options every call takes besides its params'. */
export const CALL_OPTIONS = Object.freeze([
  { option: 'rpcTimeout', kind: 'rpcTimeout' },
  { option: 'signal', kind: 'abortSignal' },
]);

/**
 * A call's options argument: undefined, null or an object (not an array).
 * @param {unknown} value
 * @returns {Readonly<Record<string, unknown>> | undefined}
 */
export function optionsArg(value) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidArgType('options', 'of type object', value);
  return /** @type {Readonly<Record<string, unknown>>} */ (value);
}

/** @type {Param} */
const PID = param({ wire: 'pid', required: true, kind: 'pid' });
/** @type {Param} */
const PROCESS_ID = param({ wire: 'pid', required: true, kind: 'processId' });
/** @type {Param} */
const START_TIME = param({ wire: 'start_time', option: 'startTime', kind: 'startTime' });

/**
 * @typedef {object} ProcessInfo What the system reports about a process (`inspect`, Linux only).
 * @property {number} pid
 * @property {number} ppid
 * @property {number} pgid
 * @property {number} sid
 * @property {number} uid real uid
 * @property {string} state one letter, e.g. `'S'`, `'R'`, `'Z'` (a zombie)
 * @property {string} comm the command name (at most 15 bytes on Linux)
 * @property {string} startTime field 22 of `/proc/<pid>/stat`, a decimal string: with the pid, it names one process
 */

/**
 * @typedef {object} ChildInfo A child (or descendant) of a process (`children`, Linux only).
 * @property {number} pid
 * @property {number} ppid
 * @property {string} startTime
 * @property {string} comm
 */

/**
 * @typedef {object} Member One process of a tree that `terminate` with `tree: true` stopped.
 * @property {number} pid
 * @property {string} startTime
 * @property {boolean} exited it has terminated
 * @property {boolean} escalated the escalation signal was delivered to it
 * @property {string} [refused] the policy's reason, when it was refused (then it was neither stopped nor signalled)
 */

/**
 * @typedef {object} Termination The outcome of `terminate` (and `Process#stop`).
 * @property {boolean} exited the process (with `tree`: every member) has terminated
 * @property {boolean} escalated the escalation signal was delivered
 * @property {string} [refused] the policy's reason when it refused the escalation (nothing was sent)
 * @property {number} elapsedMs how long it took, in milliseconds
 * @property {Member[]} [members] with `tree: true`: every member of the tree
 * @property {boolean} [complete] with `tree: true`: whether `method` rules out a process forked
 *   by a member during the call escaping the tree (a double fork), rather than making it unlikely
 * @property {'listing' | 'fork-events'} [method] with `tree: true`: how the members were found
 */

/** @param {any} r @returns {ProcessInfo} */
function readProcessInfo(r) {
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

/** @param {any} r @returns {Termination} */
function readTermination(r) {
  /** @type {Termination} */
  const t = { exited: r.exited, escalated: r.escalated, elapsedMs: r.elapsed_ms };
  if (r.refused !== undefined) t.refused = r.refused;
  if (r.complete !== undefined) t.complete = r.complete;
  if (r.method !== undefined) t.method = r.method;
  if (Array.isArray(r.members)) {
    t.members = r.members.map((/** @type {any} */ m) => {
      /** @type {Member} */
      const member = { pid: m.pid, startTime: m.start_time, exited: m.exited, escalated: m.escalated };
      if (m.refused !== undefined) member.refused = m.refused;
      return member;
    });
  }
  return t;
}

/** @param {any} r @returns {ChildInfo[]} */
function readChildren(r) {
  return r.map((/** @type {any} */ c) => ({ pid: c.pid, ppid: c.ppid, startTime: c.start_time, comm: c.comm }));
}

/**
 * Every method the client wraps. The helper's methods it does not wrap are
 * in {@link NOT_WRAPPED}.
 */
export const CALLS = Object.freeze({
  /** @type {Call} */
  signum: {
    method: 'signum',
    params: [param({ wire: 'name', required: true, kind: 'signalName' })],
    read: undefined,
  },
  /** @type {Call} */
  kill: {
    method: 'kill',
    params: [PID, param({ wire: 'signal', default: 'TERM', kind: 'signal' }), START_TIME],
    read: () => true,
  },
  /** @type {Call} */
  signals: { method: 'signals', params: [], read: undefined },
  /** @type {Call} */
  signame: {
    method: 'signame',
    params: [
      param({ wire: 'number', required: true, kind: 'integer' }),
      param({ wire: 'exit_status', option: 'exitStatus', default: false, kind: 'boolean' }),
    ],
    read: undefined,
  },
  /** @type {Call} */
  inspect: { method: 'inspect', params: [PROCESS_ID], read: readProcessInfo },
  /** @type {Call} */
  wait: {
    method: 'wait',
    params: [PROCESS_ID, param({ wire: 'timeout_ms', option: 'timeout', default: 0, kind: 'waitMillis' })],
    read: (r) => r.exited === true,
  },
  /** @type {Call} */
  terminate: {
    method: 'terminate',
    params: [
      PROCESS_ID,
      param({ wire: 'signal', default: 'TERM', kind: 'signal' }),
      param({ wire: 'timeout_ms', option: 'timeout', default: 5000, kind: 'millis' }),
      param({ wire: 'escalate', option: 'escalate', default: 'KILL', kind: 'escalate' }),
      param({ wire: 'escalate_timeout_ms', option: 'escalateTimeout', default: 1000, kind: 'millis' }),
      START_TIME,
      param({ wire: 'tree', option: 'tree', default: false, kind: 'flag' }),
    ],
    read: readTermination,
  },
  /** @type {Call} */
  children: {
    method: 'children',
    params: [PROCESS_ID, param({ wire: 'recursive', option: 'recursive', default: false, kind: 'boolean' })],
    read: readChildren,
  },
});

/** The helper's methods the client does not wrap, and why. */
export const NOT_WRAPPED = Object.freeze({
  'rpc.discover':
    "the helper's OpenRPC description of itself, for tools and tests rather than programs; " +
    "client.call('rpc.discover') returns it",
});

/**
 * Write a call's params as the JSON of a named-params object.
 *
 * @param {Call} call
 * @param {readonly unknown[]} args the positional arguments, in order
 * @param {unknown} options the options argument: undefined, null or an object
 * @returns {string} `,"params":{...}`, or empty if there is nothing to send
 * @throws {TypeError | RangeError} a value the method cannot take, as Node's own APIs throw
 */
export function writeParams(call, args, options) {
  const params = call.params;
  const opts = optionsArg(options);
  if (params.length === 1 && params[0].option === undefined) {
    // One positional param (signum, inspect): the hot path, without a loop.
    const p = params[0];
    const value = p.write(args[0], p.name);
    if (value === undefined) throw invalidArgType(p.name, 'given', args[0]);
    return ',"params":{' + p.key + (typeof value === 'number' ? value : JSON.stringify(value)) + '}';
  }
  let out = '';
  let next = 0;
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    const given = p.option === undefined ? args[next++] : opts?.[p.option];
    const value = p.write(given, p.name);
    if (value === undefined) {
      if (p.required) throw invalidArgType(p.name, 'given', given);
      continue;
    }
    out += (out === '' ? ',"params":{' : ',') + p.key + (typeof value === 'number' ? value : JSON.stringify(value));
  }
  return out === '' ? '' : out + '}';
}
