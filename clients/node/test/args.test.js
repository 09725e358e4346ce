// Every argument of every call is checked before anything is sent, as
// Node's own APIs check theirs: driven by the one table of calls
// (src/calls.js: CALLS, each param's kind in KINDS, and CALL_OPTIONS), so
// that a call, param or kind added there is checked here without a word
// more. For each kind, the values it refuses and the code each gets:
// ERR_INVALID_ARG_TYPE (a TypeError) for a wrong type, ERR_OUT_OF_RANGE (a
// RangeError) for a number out of range, ERR_INVALID_ARG_VALUE (a
// TypeError) for a string of the wrong form, ERR_UNKNOWN_SIGNAL for a
// signal that is neither a name nor an int32, as process.kill throws it.
//
// "Nothing is sent" is proved against a stand-in helper that records every
// request it reads (fixtures/recorder.mjs). The same values sent raw to the
// real helper (client.call) are refused by it too, so the client is never
// stricter than the helper except where this file says why.
//
// SAFETY: the real helper is sent only pid 2147483647 (ABSENT_PID, which no
// process can have) or the null signal NONE: whichever argument is under
// test, every other one keeps its harmless value.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { Client, Process, UnknownSignalError } from '../index.js';
import { CALLS, CALL_OPTIONS, KINDS, MAX_WAIT_MS } from '../src/calls.js';
import { ABSENT_PID } from './helpers.js';

const RECORDER = fileURLToPath(new URL('./fixtures/recorder.mjs', import.meta.url));

const TYPE = 'ERR_INVALID_ARG_TYPE';
const RANGE = 'ERR_OUT_OF_RANGE';
const VALUE = 'ERR_INVALID_ARG_VALUE';
const SIGNAL = 'ERR_UNKNOWN_SIGNAL';

/** The class each code comes with. @type {Record<string, Function>} */
const CLASS = { [TYPE]: TypeError, [RANGE]: RangeError, [VALUE]: TypeError, [SIGNAL]: UnknownSignalError };

/**
 * A value a kind refuses. `client`: the client refuses it though the helper
 * would take it (it says why).
 * @typedef {{value: unknown, code: string, client?: string}} Bad
 */

/** @param {string} code @param {...unknown} values @returns {Bad[]} */
const bad = (code, ...values) => values.map((value) => ({ value, code }));

const fn = () => 1;
/** What is not an int32: process.kill throws ERR_INVALID_ARG_TYPE for each. */
const NOT_INT32 = bad(TYPE, 1.5, 2 ** 31, -(2 ** 31) - 1, 2 ** 40, NaN, Infinity, -Infinity, '1', '', true, null, {}, [], 10n, fn);
const UNSAFE = 'a number beyond 2**53 is not exact in JavaScript; Node refuses it as ERR_OUT_OF_RANGE';

/**
 * Per kind: a value it takes (with which every call reaches the helper
 * harmlessly), and the values it refuses. undefined is added for a required param.
 * @type {Record<keyof typeof KINDS, {good: unknown, bad: Bad[]}>}
 */
const KIND_CASES = {
  pid: { good: ABSENT_PID, bad: NOT_INT32 },
  processId: { good: ABSENT_PID, bad: [...NOT_INT32, ...bad(RANGE, 0, -1, -(2 ** 31))] },
  signal: { good: 'NONE', bad: bad(SIGNAL, true, false, 1.5, 2 ** 40, NaN, {}, [], 10n, fn) },
  escalate: { good: null, bad: bad(SIGNAL, true, 1.5, 2 ** 40, {}, [], 10n) },
  signalName: {
    good: 'TERM',
    bad: [...bad(TYPE, true, 1.5, NaN, null, {}, [], 10n, fn), { value: 2 ** 53, code: TYPE, client: UNSAFE }],
  },
  integer: {
    good: 15,
    bad: [...bad(TYPE, '15', true, null, {}, 10n), ...bad(RANGE, 1.5, NaN, Infinity), { value: 2 ** 53, code: RANGE, client: UNSAFE }],
  },
  millis: { good: 0, bad: [...bad(TYPE, '5', true, null, {}, 10n), ...bad(RANGE, -1, -0.5, NaN, MAX_WAIT_MS + 1, Infinity)] },
  waitMillis: { good: 0, bad: [...bad(TYPE, '5', true, null, {}, 10n), ...bad(RANGE, -1, -0.5, NaN, -Infinity)] },
  boolean: { good: false, bad: bad(TYPE, 1, 0, 'yes', '', null, {}) },
  flag: { good: false, bad: bad(TYPE, 1, 0, 'yes', '', null, {}) },
  startTime: {
    good: '1',
    bad: [...bad(TYPE, 5, null, 5n, {}, true), ...bad(VALUE, '', ' 1', '1 ', '+1', '-1', '1a', '0x1', '1'.repeat(21), '١')],
  },
  rpcTimeout: { good: 5000, bad: [...bad(TYPE, '5', true, null, {}, 5n), ...bad(RANGE, -1, NaN, -Infinity)] },
  abortSignal: { good: new AbortController().signal, bad: bad(TYPE, 'KILL', 9, null, {}, { aborted: false }) },
};

/** The options argument itself: undefined, null or an object. */
const BAD_OPTIONS = bad(TYPE, 5, 'x', true, [], 5n, fn);

/** @type {Record<string, import('../src/calls.js').Call>} */
const calls = CALLS;

/**
 * The positional arguments and the options of a call with every value
 * good, but `name` (a param's or an option's name) set to `value`.
 * @param {import('../src/calls.js').Call} call
 * @param {string} [name]
 * @param {unknown} [value]
 * @returns {[unknown[], Record<string, unknown>]}
 */
function argsOf(call, name, value) {
  /** @type {unknown[]} */
  const positional = [];
  /** @type {Record<string, unknown>} */
  const options = {};
  for (const p of call.params) {
    const v = p.name === name ? value : KIND_CASES[p.kind].good;
    if (p.option === undefined) positional.push(v);
    else if (v !== undefined) options[p.option] = v;
  }
  for (const o of CALL_OPTIONS) options[o.option] = `options.${o.option}` === name ? value : KIND_CASES[o.kind].good;
  return [positional, options];
}

/**
 * Every bad argument of a call: its name as errors give it, the kind, and the bad value.
 * @param {import('../src/calls.js').Call} call
 * @returns {{name: string, kind: keyof typeof KINDS, bad: Bad}[]}
 */
function badArgs(call) {
  const out = [];
  for (const p of call.params) {
    const cases = p.required ? [...KIND_CASES[p.kind].bad, { value: undefined, code: TYPE }] : KIND_CASES[p.kind].bad;
    for (const b of cases) out.push({ name: p.name, kind: p.kind, bad: b });
  }
  for (const o of CALL_OPTIONS) {
    for (const b of KIND_CASES[o.kind].bad) out.push({ name: `options.${o.option}`, kind: o.kind, bad: b });
  }
  return out;
}

/** @param {unknown} v */
function show(v) {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'number' || v === undefined) return String(v);
  return JSON.stringify(v);
}

/**
 * Assert that `promise` rejects, before sending, as Node would throw for `name`.
 * @param {Promise<unknown>} promise
 * @param {string} code
 * @param {string} name
 * @param {string} what
 */
async function refused(promise, code, name, what) {
  await assert.rejects(promise, (/** @type {any} */ err) => {
    assert.equal(err.code, code, `${what}: ${err}`);
    assert.equal(err.rpcCode, undefined, `${what}: the client, not the helper, refused it`);
    const { message } = err;
    if (code !== SIGNAL) assert.ok(message.includes(`"${name}"`) || message.includes(`'${name}'`), `${what}: the message names ${name}: ${message}`);
    assert.ok(err instanceof CLASS[code], `${what}: ${err} is not a ${CLASS[code].name}`);
    return true;
  });
}

/** @type {Client} the real helper */
let real;
/** @type {Client} the recorder */
let rec;
before(async () => {
  real = await Client.start();
  rec = await Client.start({ command: process.execPath, args: [RECORDER] });
});
after(async () => {
  await real.close();
  await rec.close();
});

/** The requests the recorder has read, but for Client.start()'s first. */
async function sent() {
  const all = /** @type {{method: string}[]} */ (await rec.call('recorded'));
  assert.equal(all[0]?.method, 'signum', "Client.start()'s first request");
  return all.slice(1);
}

describe('every argument is checked before anything is sent', { timeout: 60_000 }, () => {
  test('every kind of argument has values it takes and values it refuses here', () => {
    assert.deepEqual(Object.keys(KIND_CASES).sort(), Object.keys(KINDS).sort(), 'a kind in KINDS without cases here, or cases of a kind that is gone');
    for (const call of Object.values(calls)) {
      for (const p of call.params) {
        assert.equal(p.write, KINDS[p.kind], `${call.method}(${p.wire}) is written by its kind`);
        assert.ok(KIND_CASES[p.kind].bad.length > 0, p.kind);
      }
    }
  });

  test('with good arguments every call reaches the helper', async () => {
    for (const [name, call] of Object.entries(calls)) {
      const [positional, options] = argsOf(call);
      try {
        await /** @type {any} */ (real)[name](...positional, options);
      } catch (err) {
        assert.notEqual(/** @type {any} */ (err).rpcCode, undefined, `${name}(${positional.map(show)}, ${show(options)}): the helper answered, ${err}`);
      }
    }
    assert.deepEqual(await sent(), []);
  });

  for (const [name, call] of Object.entries(calls)) {
    test(`${name}: each bad argument is refused with Node's code; nothing is sent`, async () => {
      const [positional] = argsOf(call);
      for (const { name: arg, bad: b } of badArgs(call)) {
        const [args, options] = argsOf(call, arg, b.value);
        await refused(/** @type {any} */ (rec)[name](...args, options), b.code, arg, `${name}: ${arg} = ${show(b.value)}`);
      }
      for (const b of BAD_OPTIONS) {
        await refused(/** @type {any} */ (rec)[name](...positional, b.value), b.code, 'options', `${name}: options = ${show(b.value)}`);
      }
      assert.deepEqual(await sent(), [], 'nothing was sent');
    });
  }

  test('wait: a timeout over a day (several requests) checks every argument before the first', async () => {
    for (const timeout of [MAX_WAIT_MS + 1, Infinity]) {
      for (const { name: arg, bad: b } of badArgs(CALLS.wait)) {
        if (arg === 'options.timeout') continue;
        const [args, options] = argsOf(CALLS.wait, arg, b.value);
        await refused(rec.wait(/** @type {any} */ (args[0]), { ...options, timeout }), b.code, arg, `wait: ${arg} = ${show(b.value)}, timeout ${timeout}`);
      }
    }
    assert.deepEqual(await sent(), []);
  });

  test('client.process(pid) and call()', async () => {
    for (const b of [...KIND_CASES.processId.bad, { value: undefined, code: TYPE }]) {
      await refused(rec.process(/** @type {any} */ (b.value)), b.code, 'pid', `process(${show(b.value)})`);
    }
    for (const b of bad(TYPE, 5, null, undefined, {}, ['signum'])) {
      await refused(rec.call(/** @type {any} */ (b.value)), b.code, 'method', `call(${show(b.value)})`);
    }
    for (const b of bad(TYPE, 'TERM', 15, true)) {
      await refused(rec.call('signum', /** @type {any} */ (b.value)), b.code, 'params', `call('signum', ${show(b.value)})`);
    }
    await refused(rec.call('signum', [10n]), VALUE, 'params', 'call with a BigInt param');
    for (const o of CALL_OPTIONS) {
      for (const b of KIND_CASES[o.kind].bad) {
        await refused(rec.call('signum', ['TERM'], { [o.option]: b.value }), b.code, `options.${o.option}`, `call: ${o.option} = ${show(b.value)}`);
      }
    }
    for (const b of BAD_OPTIONS) await refused(rec.call('signum', ['TERM'], /** @type {any} */ (b.value)), b.code, 'options', `call: options = ${show(b.value)}`);
    assert.deepEqual(await sent(), []);
  });

  test('the process handle: new Process() throws; its methods reject; nothing is sent', async () => {
    for (const b of bad(TYPE, null, undefined, 5, {}, 'client')) {
      assert.throws(() => new Process(/** @type {any} */ (b.value), ABSENT_PID, '1'), { code: b.code }, `client = ${show(b.value)}`);
    }
    for (const b of [...KIND_CASES.processId.bad, { value: undefined, code: TYPE }]) {
      assert.throws(() => new Process(rec, /** @type {any} */ (b.value), '1'), { code: b.code, name: CLASS[b.code].name }, `pid = ${show(b.value)}`);
    }
    for (const b of [...KIND_CASES.startTime.bad, { value: undefined, code: TYPE }]) {
      assert.throws(() => new Process(rec, ABSENT_PID, /** @type {any} */ (b.value)), { code: b.code }, `startTime = ${show(b.value)}`);
    }

    const proc = new Process(rec, ABSENT_PID, '1');
    /** The handle's methods, each with the params (from CALLS) that its options or arguments hold. */
    const methods = {
      isRunning: [],
      info: [],
      terminate: [],
      kill: [],
      sendSignal: CALLS.kill.params.filter((p) => p.wire === 'signal'),
      wait: CALLS.wait.params.filter((p) => p.option === 'timeout'),
      stop: CALLS.terminate.params.filter((p) => p.option !== undefined && p.option !== 'startTime'),
    };
    for (const [method, params] of Object.entries(methods)) {
      const positional = params.filter((p) => p.option === undefined);
      /** @param {unknown[]} args @param {unknown} options */
      const invoke = (args, options) => /** @type {any} */ (proc)[method](...args, options);
      const good = positional.map((p) => KIND_CASES[p.kind].good);
      for (const p of params) {
        for (const b of KIND_CASES[p.kind].bad) {
          if (p.option === undefined) await refused(invoke([b.value], {}), b.code, p.name, `${method}(${show(b.value)})`);
          else await refused(invoke(good, { [p.option]: b.value }), b.code, p.name, `${method}: ${p.name} = ${show(b.value)}`);
        }
      }
      for (const o of CALL_OPTIONS) {
        for (const b of KIND_CASES[o.kind].bad) {
          await refused(invoke(good, { [o.option]: b.value }), b.code, `options.${o.option}`, `${method}: ${o.option} = ${show(b.value)}`);
        }
      }
      for (const b of BAD_OPTIONS) await refused(invoke(good, b.value), b.code, 'options', `${method}: options = ${show(b.value)}`);
    }
    assert.deepEqual(await sent(), []);
  });

  test('new Client() and Client.start() check their options before spawning anything', async () => {
    /** @type {[Record<string, unknown>, string, string][]} */
    const cases = [
      ...KIND_CASES.rpcTimeout.bad.map((b) => /** @type {[Record<string, unknown>, string, string]} */ ([{ rpcTimeout: b.value }, b.code, 'options.rpcTimeout'])),
      [{ args: '--spin=0' }, TYPE, 'options.args'],
      [{ args: [1] }, TYPE, 'options.args[0]'],
      [{ args: ['--spin=0', null] }, TYPE, 'options.args[1]'],
      [{ unref: 1 }, TYPE, 'options.unref'],
      [{ unref: 'yes' }, TYPE, 'options.unref'],
    ];
    for (const [options, code, name] of cases) {
      const all = { command: '/nonexistent/sigrpc', ...options }; // spawning it would fail: the check comes first
      assert.throws(() => new Client(/** @type {any} */ (all)), (/** @type {any} */ err) => {
        assert.equal(err.code, code, `${name}: ${err}`);
        assert.ok(err.message.includes(`"${name}"`), err.message);
        return true;
      });
      await assert.rejects(Client.start(/** @type {any} */ (all)), { code });
    }
    for (const b of [...BAD_OPTIONS, { value: null, code: TYPE }]) {
      assert.throws(() => new Client(/** @type {any} */ (b.value)), { code: b.code }, `options = ${show(b.value)}`);
    }
  });
});

describe('the helper refuses the same values (the client is no stricter)', { timeout: 60_000 }, () => {
  /** Values JSON carries as they are; the rest (undefined, functions, BigInt, NaN, ±Infinity) the client alone can see. */
  /** @param {unknown} v */
  const wireable = (v) =>
    typeof v !== 'function' && typeof v !== 'bigint' && v !== undefined && !(typeof v === 'number' && !Number.isFinite(v));

  for (const [name, call] of Object.entries(calls)) {
    test(name, async () => {
      /** @type {Record<string, unknown>} */
      const base = {};
      for (const p of call.params) {
        const v = p.write(KIND_CASES[p.kind].good, p.name);
        if (v !== undefined) base[p.wire] = v;
      }
      for (const p of call.params) {
        for (const b of KIND_CASES[p.kind].bad) {
          if (!wireable(b.value) || b.client) continue;
          // null is the default signal here (as process.kill has it); the helper takes null only for escalate.
          if (b.value === null && p.kind === 'signal') continue;
          const params = { ...base, [p.wire]: b.value };
          await assert.rejects(real.call(call.method, params), (/** @type {any} */ err) => {
            assert.notEqual(err.rpcCode, undefined, `${name} ${JSON.stringify(params)}: ${err}`);
            return true;
          }, `the helper refuses ${name} ${JSON.stringify(params)}`);
        }
      }
    });
  }
});
