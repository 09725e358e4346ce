// The one definition of the helper's methods as this client calls them: for
// each, its params (wire name, the client's name, the default the helper
// applies, how a value is checked and written) and how its result is read.
// Client methods are thin wrappers over these; test/discover.test.js holds
// them against the helper's own description (rpc.discover).

import { UnknownSignalError, invalidArgType, invalidArgValue, outOfRange } from './errors.js';

/** The longest wait one request may ask of the helper (its limit for `timeout_ms`): 24 h. */
export const MAX_WAIT_MS = 86_400_000;

/**
 * One param of a method.
 *
 * @typedef {object} Param
 * @property {string} wire its name on the wire
 * @property {string} [option] its name in the options object; absent: it is the next positional argument
 * @property {boolean} [required] the helper requires it
 * @property {unknown} [default] the value the helper applies when it is omitted, in wire units
 * @property {(value: unknown, name: string) => unknown} write checks a value as given
 *   (throws as Node's own APIs do) and returns what to send; undefined: omit it
 * @property {string} key `"wire":`, as written before its value (set by {@link param})
 */

/**
 * A param, as the table below states it.
 * @param {Omit<Param, 'key'>} p
 * @returns {Param}
 */
function param(p) {
  return { ...p, key: JSON.stringify(p.wire) + ':' };
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
 * @param {unknown} value
 * @param {string} name
 * @returns {string | undefined}
 */
function startTimeArg(value, name) {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidArgType(name, 'of type string (from inspect)', value);
  if (!/^[0-9]{1,20}$/.test(value)) throw invalidArgValue(name, 'must be a start time from inspect (decimal digits)', value);
  return value;
}

/** @type {Param} */
const PID = param({ wire: 'pid', required: true, write: pidArg });
/** @type {Param} */
const START_TIME = param({ wire: 'start_time', option: 'startTime', write: startTimeArg });

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
    params: [
      param({
        wire: 'name',
        required: true,
        write(value, name) {
          if (typeof value === 'string' || Number.isSafeInteger(value)) return value;
          throw invalidArgType(name, 'of type string or an integer', value);
        },
      }),
    ],
    read: undefined,
  },
  /** @type {Call} */
  kill: {
    method: 'kill',
    params: [PID, param({ wire: 'signal', default: 'TERM', write: signalArg }), START_TIME],
    read: () => true,
  },
  /** @type {Call} */
  signals: { method: 'signals', params: [], read: undefined },
  /** @type {Call} */
  signame: {
    method: 'signame',
    params: [
      param({
        wire: 'number',
        required: true,
        write(value, name) {
          if (Number.isSafeInteger(value)) return value;
          throw invalidArgType(name, 'an integer', value);
        },
      }),
      param({ wire: 'exit_status', option: 'exitStatus', default: false, write: booleanArg }),
    ],
    read: undefined,
  },
  /** @type {Call} */
  inspect: { method: 'inspect', params: [PID], read: readProcessInfo },
  /** @type {Call} */
  wait: {
    method: 'wait',
    params: [PID, param({ wire: 'timeout_ms', option: 'timeout', default: 0, write: millisArg })],
    read: (r) => r.exited === true,
  },
  /** @type {Call} */
  terminate: {
    method: 'terminate',
    params: [
      PID,
      param({ wire: 'signal', default: 'TERM', write: signalArg }),
      param({ wire: 'timeout_ms', option: 'timeout', default: 5000, write: millisArg }),
      param({ wire: 'escalate', option: 'escalate', default: 'KILL', write: escalateArg }),
      param({ wire: 'escalate_timeout_ms', option: 'escalateTimeout', default: 1000, write: millisArg }),
      START_TIME,
      param({ wire: 'tree', option: 'tree', default: false, write: flagArg }),
    ],
    read: readTermination,
  },
  /** @type {Call} */
  children: {
    method: 'children',
    params: [PID, param({ wire: 'recursive', option: 'recursive', default: false, write: booleanArg })],
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
 * @param {Readonly<Record<string, unknown>> | undefined} options the options object, if any
 * @returns {string} `,"params":{...}`, or empty if there is nothing to send
 * @throws {TypeError | RangeError} a value the method cannot take, as Node's own APIs throw
 */
export function writeParams(call, args, options) {
  const params = call.params;
  if (params.length === 1 && params[0].option === undefined) {
    // One positional param (signum, inspect): the hot path, without a loop.
    const p = params[0];
    const value = p.write(args[0], p.wire);
    if (value === undefined) throw invalidArgType(p.wire, 'given', args[0]);
    return ',"params":{' + p.key + (typeof value === 'number' ? value : JSON.stringify(value)) + '}';
  }
  let out = '';
  let next = 0;
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    const name = p.option ?? p.wire;
    const given = p.option === undefined ? args[next++] : options?.[p.option];
    const value = p.write(given, name);
    if (value === undefined) {
      if (p.required) throw invalidArgType(name, 'given', given);
      continue;
    }
    out += (out === '' ? ',"params":{' : ',') + p.key + (typeof value === 'number' ? value : JSON.stringify(value));
  }
  return out === '' ? '' : out + '}';
}
