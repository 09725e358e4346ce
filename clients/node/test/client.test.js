// Every method and error against the real helper binary.
//
// SAFETY: only children started by startChild(), the clients' own helpers,
// and ABSENT_PID are signalled; refusals use pid -1 with the null signal.

import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';

import {
  AbortError,
  Client,
  PolicyError,
  RPCError,
  SystemError,
  TimeoutError,
  UnknownSignalError,
} from '../index.js';
import { ABSENT_PID, HELPER, alive, exited, killChildren, startChild, startTimeOf } from './helpers.js';

/** @type {Client} */
let c;
before(async () => {
  c = await Client.start();
});
after(async () => {
  await c.close();
  await killChildren();
});
afterEach(killChildren);

/**
 * Assert that promise rejects with an error having these fields.
 * @param {Promise<unknown>} promise
 * @param {Function} type
 * @param {Record<string, unknown>} fields
 */
async function rejects(promise, type, fields) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof type, `${err} is not a ${type.name}`);
    const got = /** @type {Record<string, unknown>} */ (err);
    for (const [k, v] of Object.entries(fields)) {
      if (v instanceof RegExp) assert.match(String(got[k]), v, `${k} of ${err}`);
      else assert.deepEqual(got[k], v, `${k} of ${err}`);
    }
    return true;
  });
}

describe('signal names and numbers', { timeout: 10_000 }, () => {
  test('signum takes names as process.kill users write them, and numbers', async () => {
    assert.equal(await c.signum('TERM'), 15);
    assert.equal(await c.signum('SIGTERM'), 15);
    assert.equal(await c.signum('term'), 15);
    assert.equal(await c.signum('SIGKILL'), 9);
    assert.equal(await c.signum('NONE'), 0);
    assert.equal(await c.signum('RTMIN+1'), 35);
    assert.equal(await c.signum(constants.signals.SIGINT), 2);
    assert.equal(await c.signum(15), 15);
    assert.equal(await c.signum('NOPE'), null);
    assert.equal(await c.signum('EMT'), null); // the platform lacks it
  });

  test('signum rejects what is neither a string nor an integer, without sending', async () => {
    await rejects(c.signum(/** @type {any} */ (true)), TypeError, { code: 'ERR_INVALID_ARG_TYPE' });
    await rejects(c.signum(1.5), TypeError, { code: 'ERR_INVALID_ARG_TYPE' });
    await rejects(c.signame(/** @type {any} */ ('15')), TypeError, { code: 'ERR_INVALID_ARG_TYPE' });
    await rejects(c.signame(15, { exitStatus: /** @type {any} */ (1) }), TypeError, { code: 'ERR_INVALID_ARG_TYPE' });
  });

  test('signals agrees with os.constants.signals', async () => {
    const all = await c.signals();
    assert.equal(all.NONE, 0);
    assert.equal(all.TERM, 15);
    assert.equal(all.SYS, 31);
    assert.ok(!('SIGTERM' in all));
    for (const [name, num] of Object.entries(all)) {
      if (name === 'NONE') continue;
      assert.equal(num, /** @type {any} */ (constants.signals)[`SIG${name}`], name);
    }
  });

  test('signame', async () => {
    assert.equal(await c.signame(15), 'TERM');
    assert.equal(await c.signame(constants.signals.SIGKILL), 'KILL');
    assert.equal(await c.signame(35), 'RTMIN+1');
    assert.equal(await c.signame(143), null);
    assert.equal(await c.signame(143, { exitStatus: true }), 'TERM');
    assert.equal(await c.signame(12345), null);
  });

  test('call: any method, named or positional params', async () => {
    assert.equal(await c.call('signum', ['HUP']), 1);
    assert.equal(await c.call('signum', { name: 'HUP' }), 1);
    assert.equal(await c.call('signame', [137, true]), 'KILL');
    const doc = /** @type {any} */ (await c.call('rpc.discover'));
    assert.match(doc.openrpc, /^1\./);
    const names = doc.methods.map((/** @type {any} */ m) => m.name).sort();
    for (const m of ['inspect', 'kill', 'signals', 'signame', 'signum', 'terminate', 'wait']) assert.ok(names.includes(m), m);
  });

  test('call rejects params that are not an array or an object', async () => {
    await rejects(c.call('signum', /** @type {any} */ ('TERM')), TypeError, { code: 'ERR_INVALID_ARG_TYPE' });
    await rejects(c.call('signum', [10n]), TypeError, { code: 'ERR_INVALID_ARG_VALUE' }); // BigInt cannot be serialised
    assert.equal(await c.signum('TERM'), 15); // and the client is fine
  });
});

describe('kill', { timeout: 10_000 }, () => {
  test('delivers the signal, by name or number', async () => {
    for (const sig of ['SIGTERM', 'TERM', 'term', constants.signals.SIGUSR1, 9]) {
      const child = await startChild();
      assert.equal(await c.kill(child.pid, sig), true);
      const { signal } = await exited(child);
      const want = typeof sig === 'number' ? Object.entries(constants.signals).find(([, n]) => n === sig)?.[0] : 'SIGTERM';
      assert.equal(signal, want, String(sig));
    }
  });

  test('defaults to TERM', async () => {
    const child = await startChild();
    assert.equal(await c.kill(child.pid), true);
    assert.equal((await exited(child)).signal, 'SIGTERM');
  });

  test('the null signal checks existence', async () => {
    const child = await startChild();
    assert.equal(await c.kill(child.pid, 0), true);
    assert.equal(await c.kill(child.pid, 'NONE'), true);
    assert.ok(alive(child.pid));
  });

  test('ESRCH as process.kill throws it', async () => {
    await rejects(c.kill(ABSENT_PID, 0), SystemError, {
      code: 'ESRCH',
      errno: -3,
      syscall: 'kill',
      rpcCode: -32000,
      name: 'SystemError',
      message: 'kill ESRCH: No such process',
    });
  });

  test('EINVAL for a signal number out of range; nothing is sent', async () => {
    await rejects(c.kill(ABSENT_PID, 999), SystemError, { code: 'EINVAL', errno: -22, syscall: 'kill' });
    await rejects(c.kill(ABSENT_PID, -1), SystemError, { code: 'EINVAL', errno: -22, syscall: 'kill' });
  });

  test('ERR_UNKNOWN_SIGNAL for an unknown name, known by the helper\'s data.reason', async () => {
    await rejects(c.kill(ABSENT_PID, 'FOO'), UnknownSignalError, {
      code: 'ERR_UNKNOWN_SIGNAL',
      signal: 'FOO',
      rpcCode: -32602,
      name: 'UnknownSignalError',
    });
    await rejects(c.kill(ABSENT_PID, 'FOO'), TypeError, {});
    await rejects(c.kill(ABSENT_PID, 'SIGFOO'), UnknownSignalError, { signal: 'SIGFOO' });
  });

  test('a signal that is neither a name nor an int32 is unknown, as process.kill says; nothing is sent', async () => {
    for (const sig of [true, 1.5, 2 ** 40, {}]) {
      let native;
      try {
        process.kill(ABSENT_PID, /** @type {any} */ (sig));
      } catch (err) {
        native = /** @type {any} */ (err);
      }
      assert.equal(native?.code, 'ERR_UNKNOWN_SIGNAL', String(sig));
      await rejects(c.kill(ABSENT_PID, /** @type {any} */ (sig)), UnknownSignalError, { code: 'ERR_UNKNOWN_SIGNAL', signal: sig, rpcCode: undefined });
    }
  });

  test('null or undefined is the default signal, TERM, as process.kill has it', async () => {
    const child = await startChild();
    assert.equal(await c.kill(child.pid, null), true);
    assert.equal((await exited(child)).signal, 'SIGTERM');
  });

  test('a pid that is not an int32 is a TypeError before sending, as process.kill throws', async () => {
    for (const pid of [1.5, 2 ** 40, -(2 ** 40), 2 ** 31, NaN, Infinity]) {
      let native;
      try {
        process.kill(pid, 0);
      } catch (err) {
        native = /** @type {any} */ (err);
      }
      assert.ok(native instanceof TypeError, `process.kill(${pid}) throws a TypeError`);
      for (const call of [c.kill(pid, 0), c.inspect(pid), c.wait(pid), c.terminate(pid), c.process(pid), c.children(pid)]) {
        await rejects(call, TypeError, { code: native.code, rpcCode: undefined });
      }
    }
    // process.kill('1') takes a string of digits (its check is pid != (pid | 0)); sigrpc
    // does not: '' would be pid 0, the caller's process group.
    for (const pid of ['1', '', null, undefined, {}, 10n]) {
      await rejects(c.kill(/** @type {any} */ (pid), 0), TypeError, { code: 'ERR_INVALID_ARG_TYPE' });
    }
    await rejects(c.kill(/** @type {any} */ ('x'), 0), TypeError, { message: /The "pid" argument must be an integer.*Received type string \('x'\)/ });
  });

  test('the helper checks what the client cannot: RPCError -32602 naming the param', async () => {
    await rejects(c.call('kill', { pid: 'x' }), RPCError, { code: 'ERR_SIGRPC_INVALID_PARAMS', rpcCode: -32602, data: { param: 'pid' } });
    await rejects(c.call('kill', [2 ** 40, 0]), RPCError, { code: 'ERR_SIGRPC_INVALID_PARAMS', data: { param: 'pid' } });
  });

  test('unknown method: RPCError with code ERR_SIGRPC_METHOD_NOT_FOUND and rpcCode -32601', async () => {
    await rejects(c.call('nope'), RPCError, {
      code: 'ERR_SIGRPC_METHOD_NOT_FOUND',
      rpcCode: -32601,
      name: 'RPCError',
      message: 'Method not found',
      data: { method: 'nope' },
    });
  });

  test('policy: pid -1 is refused (broadcast) and nothing is sent', async () => {
    await rejects(c.kill(-1, 'NONE'), PolicyError, { code: 'ERR_SIGRPC_POLICY', reason: 'broadcast', rpcCode: -32001, name: 'PolicyError' });
    await rejects(c.kill(-ABSENT_PID, 'NONE'), PolicyError, { reason: 'process-group' }); // a group no process can lead
  });

  test('policy: the helper itself is refused (self)', async () => {
    const own = await Client.start();
    try {
      await rejects(own.kill(/** @type {number} */ (own.pid), 'TERM'), PolicyError, { reason: 'self' });
      assert.equal(await own.signum('TERM'), 15); // still alive
    } finally {
      await own.close();
    }
  });

  test('policy flags: --allow-uid and --descendants-only', async () => {
    const child = await startChild();
    const uid = await Client.start({ args: ['--allow-uid', '12345'] });
    const desc = await Client.start({ args: ['--descendants-only'] });
    try {
      await rejects(uid.kill(child.pid, 'NONE'), PolicyError, { reason: 'uid' });
      // --descendants-only names this process, so an adopted helper would refuse to start.
      const argv = readFileSync(`/proc/${desc.pid}/cmdline`, 'utf8').split('\0');
      assert.ok(argv.includes(`--descendants-of=${process.pid}`), argv.join(' '));
      assert.ok(!argv.includes('--descendants-only'), argv.join(' '));
      // This process is the helper's parent, not its own descendant.
      await rejects(desc.kill(process.pid, 'NONE'), PolicyError, { reason: 'not-descendant' });
      assert.equal(await desc.kill(child.pid, 'NONE'), true);
    } finally {
      await uid.close();
      await desc.close();
    }
  });

  test('--spin in args: a helper that sleeps at once answers the same', async () => {
    const child = await startChild();
    const sleeper = await Client.start({ args: ['--spin=0'] });
    try {
      for (let i = 0; i < 100; i++) assert.equal(await sleeper.signum('TERM'), 15);
      assert.equal(await sleeper.kill(child.pid, 'NONE'), true);
    } finally {
      await sleeper.close();
    }
  });

  test('start_time: sent only to that incarnation of the pid', async () => {
    const child = await startChild();
    await rejects(c.kill(child.pid, 'TERM', { startTime: '1' }), SystemError, {
      code: 'ESRCH',
      reason: 'start_time mismatch',
    });
    assert.ok(alive(child.pid), 'nothing was sent');
    // An empty or malformed start time is no guard at all: refused here, as the helper would.
    for (const bad of ['', ' 1', '+1', '1a', '1'.repeat(21)]) {
      await rejects(c.kill(child.pid, 'TERM', { startTime: bad }), TypeError, { code: 'ERR_INVALID_ARG_VALUE' });
      await rejects(c.terminate(child.pid, 'TERM', { startTime: bad }), TypeError, { code: 'ERR_INVALID_ARG_VALUE' });
    }
    assert.ok(alive(child.pid), 'nothing was sent');
    const { startTime } = await c.inspect(child.pid);
    assert.equal(await c.kill(child.pid, 'TERM', { startTime }), true);
    assert.equal((await exited(child)).signal, 'SIGTERM');
  });

  test('EPERM from a helper running as another user', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root to run the helper as nobody');
    if (!existsSync('/usr/bin/setpriv')) return t.skip('needs /usr/bin/setpriv');
    const dir = mkdtempSync(join(tmpdir(), 'sigrpc-node-'));
    try {
      const wrapper = join(dir, 'sigrpc-nobody');
      writeFileSync(wrapper, `#!/bin/sh\nexec /usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups ${HELPER} "$@"\n`);
      chmodSync(wrapper, 0o755);
      const child = await startChild();
      const nobody = await Client.start({ command: wrapper });
      try {
        await rejects(nobody.kill(child.pid, 'NONE'), SystemError, { code: 'EPERM', errno: -1, syscall: 'kill' });
      } finally {
        await nobody.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('inspect, wait, terminate', { timeout: 20_000 }, () => {
  test('inspect a child', async () => {
    const child = await startChild();
    const info = await c.inspect(child.pid);
    assert.equal(info.pid, child.pid);
    assert.equal(info.ppid, process.pid);
    assert.equal(info.uid, process.getuid?.());
    assert.equal(info.comm, 'sleep');
    assert.match(info.state, /^[A-Z]$/);
    assert.equal(info.startTime, startTimeOf(child.pid));
    assert.equal(typeof info.pgid, 'number');
    assert.equal(typeof info.sid, 'number');
  });

  test('inspect an absent pid: ESRCH', async () => {
    await rejects(c.inspect(ABSENT_PID), SystemError, { code: 'ESRCH', errno: -3, syscall: 'inspect' });
  });

  test('wait', async () => {
    const child = await startChild();
    assert.equal(await c.wait(child.pid), false);
    assert.equal(await c.wait(child.pid, { timeout: 50 }), false);
    const waiting = c.wait(child.pid, { timeout: 5000 });
    child.kill('SIGTERM');
    assert.equal(await waiting, true);
    assert.equal(await c.wait(ABSENT_PID), true);
  });

  test('wait longer than one request may (24 h), and Infinity', async () => {
    const child = await startChild();
    const long = c.wait(child.pid, { timeout: 2 * 86_400_000 });
    const forever = c.wait(child.pid, { timeout: Infinity });
    assert.equal(await c.wait(child.pid, { timeout: 20 }), false);
    child.kill('SIGTERM');
    assert.deepEqual(await Promise.all([long, forever]), [true, true]);
  });

  test('wait: a timeout that is not a number of milliseconds >= 0', async () => {
    await rejects(c.wait(ABSENT_PID, { timeout: -1 }), RangeError, { code: 'ERR_OUT_OF_RANGE' });
    await rejects(c.wait(ABSENT_PID, { timeout: NaN }), RangeError, { code: 'ERR_OUT_OF_RANGE' });
    await rejects(c.wait(ABSENT_PID, { timeout: /** @type {any} */ ('5') }), TypeError, { code: 'ERR_INVALID_ARG_TYPE' });
    assert.equal(await c.wait(ABSENT_PID, { timeout: 0.5 }), true, 'a fraction is rounded up');
  });

  test('wait does not hold up other calls', async () => {
    const child = await startChild();
    const waiting = c.wait(child.pid, { timeout: 5000 });
    assert.equal(await c.signum('TERM'), 15);
    child.kill('SIGKILL');
    assert.equal(await waiting, true);
  });

  test('terminate a child that obeys TERM', async () => {
    const child = await startChild();
    const r = await c.terminate(child.pid);
    assert.equal(r.exited, true);
    assert.equal(r.escalated, false);
    assert.equal(typeof r.elapsedMs, 'number');
    assert.equal((await exited(child)).signal, 'SIGTERM');
  });

  test('terminate escalates to KILL for a child that ignores TERM', async () => {
    const child = await startChild(['sh', '-c', 'trap "" TERM; exec sleep 60']);
    for (let i = 0; i < 200 && (await c.inspect(child.pid)).comm !== 'sleep'; i++) await new Promise((ok) => setTimeout(ok, 10));
    const r = await c.terminate(child.pid, 'SIGTERM', { timeout: 100, escalateTimeout: 5000 });
    assert.deepEqual([r.exited, r.escalated], [true, true]);
    assert.ok(r.elapsedMs >= 100, `elapsed ${r.elapsedMs}`);
    assert.equal((await exited(child)).signal, 'SIGKILL');
  });

  test('terminate with escalate: null never escalates', async () => {
    const child = await startChild(['sh', '-c', 'trap "" USR1; exec sleep 60']);
    for (let i = 0; i < 200 && (await c.inspect(child.pid)).comm !== 'sleep'; i++) await new Promise((ok) => setTimeout(ok, 10));
    const r = await c.terminate(child.pid, 'USR1', { timeout: 50, escalate: null });
    assert.deepEqual([r.exited, r.escalated], [false, false]);
    assert.ok(alive(child.pid));
  });

  test('terminate errors', async () => {
    await rejects(c.terminate(ABSENT_PID, 'TERM', { timeout: 0 }), SystemError, { code: 'ESRCH', syscall: 'kill' });
    await rejects(c.terminate(ABSENT_PID, 'TERM', { timeout: 86_400_001 }), RangeError, { code: 'ERR_OUT_OF_RANGE' });
    await rejects(c.terminate(ABSENT_PID, 'TERM', { escalate: /** @type {any} */ (true) }), UnknownSignalError, { signal: true });
    await rejects(c.terminate(ABSENT_PID, 'TERM', { tree: /** @type {any} */ ('yes') }), TypeError, { code: 'ERR_INVALID_ARG_TYPE' });
    await rejects(c.terminate(ABSENT_PID, 'TERM', { escalate: 'NOPE' }), UnknownSignalError, { signal: 'NOPE' });
    // One process only: the client refuses what can only name a group (or every process) ...
    await rejects(c.terminate(-1, 'NONE', { escalate: null }), RangeError, { code: 'ERR_OUT_OF_RANGE', rpcCode: undefined });
    // ... which the helper refuses too, by its policy first.
    await rejects(c.call('terminate', { pid: -1, signal: 'NONE', escalate: null }), PolicyError, { reason: 'broadcast' });
    const child = await startChild();
    await rejects(c.terminate(child.pid, 'TERM', { startTime: '1' }), SystemError, { reason: 'start_time mismatch' });
    assert.ok(alive(child.pid));
  });
});

describe('concurrency, timeouts and aborts', { timeout: 60_000 }, () => {
  test('100k concurrent calls, every answer matched', async () => {
    const n = 100_000;
    const names = ['HUP', 'INT', 'SIGTERM', 'kill', 'NOPE'];
    const want = [1, 2, 15, 9, null];
    const calls = new Array(n);
    for (let i = 0; i < n; i++) calls[i] = i % 2 ? c.signum(i) : c.signum(names[(i / 2) % 5]);
    const got = await Promise.all(calls);
    for (let i = 0; i < n; i++) {
      const expected = i % 2 ? i : want[(i / 2) % 5];
      if (got[i] !== expected) assert.fail(`call ${i}: got ${got[i]}, want ${expected}`);
    }
  });

  test('concurrent calls of every kind', async () => {
    const child = await startChild();
    const results = await Promise.allSettled([
      c.signum('TERM'),
      c.wait(child.pid, { timeout: 100 }),
      c.kill(ABSENT_PID, 0),
      c.signals(),
      c.signame(9),
      c.inspect(child.pid),
      c.kill(-1, 'NONE'),
      c.call('nope'),
    ]);
    assert.deepEqual(
      results.map((r) => (r.status === 'fulfilled' ? typeof r.value : /** @type {any} */ (r.reason).code)),
      ['number', 'boolean', 'ESRCH', 'object', 'string', 'object', 'ERR_SIGRPC_POLICY', 'ERR_SIGRPC_METHOD_NOT_FOUND'],
    );
  });

  test('per-call rpcTimeout: ERR_SIGRPC_TIMEOUT; the late answer is dropped', async () => {
    const child = await startChild();
    const start = Date.now();
    await rejects(c.wait(child.pid, { timeout: 10_000, rpcTimeout: 50 }), TimeoutError, {
      code: 'ERR_SIGRPC_TIMEOUT',
      name: 'TimeoutError',
      method: 'wait',
      timeout: 50,
    });
    assert.ok(Date.now() - start < 2000);
    child.kill('SIGKILL'); // the helper now answers the wait; nobody is listening
    await exited(child);
    assert.equal(await c.signum('INT', { rpcTimeout: 5000 }), 2);
  });

  test('a default rpcTimeout from the options', async () => {
    const child = await startChild();
    const quick = await Client.start({ rpcTimeout: 500 }); // start() itself is not bound by it
    try {
      await rejects(quick.wait(child.pid, { timeout: 10_000 }), TimeoutError, { timeout: 500 });
      assert.equal(await quick.signum('TERM'), 15);
      await rejects(quick.wait(child.pid, { timeout: 10_000, rpcTimeout: 20 }), TimeoutError, { timeout: 20 });
    } finally {
      await quick.close();
    }
  });

  test('an invalid rpcTimeout is rejected; the old timeout option is named', async () => {
    await rejects(c.signum('TERM', { rpcTimeout: -1 }), RangeError, { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => new Client({ rpcTimeout: /** @type {any} */ ('1') }), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => new Client(/** @type {any} */ ({ timeout: 100 })), { code: 'ERR_INVALID_ARG_VALUE', message: /rpcTimeout/ });
  });

  test('options.signal must be an AbortSignal (not a POSIX signal)', async () => {
    await rejects(c.kill(ABSENT_PID, 0, { signal: /** @type {any} */ ('KILL') }), TypeError, { code: 'ERR_INVALID_ARG_TYPE' });
  });

  test('abort with an AbortSignal', async () => {
    const child = await startChild();
    const ac = new AbortController();
    const waiting = c.wait(child.pid, { timeout: 10_000, signal: ac.signal });
    const reason = new Error('stop');
    setTimeout(() => ac.abort(reason), 20);
    await rejects(waiting, AbortError, { code: 'ABORT_ERR', name: 'AbortError', cause: reason });
    assert.equal(await c.signum('TERM'), 15);
  });

  test('an aborted signal rejects at once and sends nothing', async () => {
    const child = await startChild();
    await rejects(c.kill(child.pid, 'TERM', { signal: AbortSignal.abort() }), AbortError, { code: 'ABORT_ERR' });
    assert.equal(await c.wait(child.pid), false, 'the child was not signalled');
  });

  test('AbortSignal.timeout', async () => {
    const child = await startChild();
    await assert.rejects(c.wait(child.pid, { timeout: 10_000, signal: AbortSignal.timeout(30) }), (/** @type {any} */ err) => {
      assert.equal(err.code, 'ABORT_ERR');
      assert.equal(err.cause.name, 'TimeoutError');
      return true;
    });
  });

  test('a signal that never fires leaves no listener behind', async () => {
    const ac = new AbortController();
    for (let i = 0; i < 100; i++) await c.signum('TERM', { signal: ac.signal, rpcTimeout: 1000 });
    ac.abort(); // would reject a settled call if its listener were still there
    assert.equal(await c.signum('TERM'), 15);
  });
});
