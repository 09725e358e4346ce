// Every method and error against the real helper binary.
//
// SAFETY: only children started by startChild(), the clients' own helpers,
// and ABSENT_PID are signalled; refusals use pid -1 with the null signal.

import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';

import {
  AbortError,
  Client,
  HelperExitedError,
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
  killChildren();
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
    for (const [k, v] of Object.entries(fields)) assert.deepEqual(got[k], v, `${k} of ${err}`);
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

  test('signum rejects what is neither a string nor a number, without sending', async () => {
    await rejects(c.signum(/** @type {any} */ (true)), TypeError, { code: 'ERR_INVALID_ARG_TYPE' });
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
    await rejects(c.call('signum', [10n]), TypeError, {}); // BigInt cannot be serialised
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
    await rejects(c.kill(ABSENT_PID, 0), SystemError, { code: 'ESRCH', errno: -3, syscall: 'kill', message: 'kill ESRCH: No such process' });
  });

  test('EINVAL for a signal number out of range; nothing is sent', async () => {
    await rejects(c.kill(ABSENT_PID, 999), SystemError, { code: 'EINVAL', errno: -22, syscall: 'kill' });
  });

  test('ERR_UNKNOWN_SIGNAL for an unknown name', async () => {
    await rejects(c.kill(ABSENT_PID, 'FOO'), UnknownSignalError, { code: 'ERR_UNKNOWN_SIGNAL', signal: 'FOO' });
    await rejects(c.kill(ABSENT_PID, 'FOO'), TypeError, {});
  });

  test('a signal of another type is rejected before sending', async () => {
    await rejects(c.kill(ABSENT_PID, /** @type {any} */ (null)), TypeError, { code: 'ERR_INVALID_ARG_TYPE' });
  });

  test('invalid params are an RPCError -32602 naming the param', async () => {
    await rejects(c.kill(/** @type {any} */ ('x'), 0), RPCError, { code: -32602, data: { param: 'pid' } });
    await rejects(c.kill(1.5, 0), RPCError, { code: -32602, data: { param: 'pid' } });
    await rejects(c.kill(2 ** 40, 0), RPCError, { code: -32602, data: { param: 'pid' } });
  });

  test('unknown method: RPCError -32601', async () => {
    await rejects(c.call('nope'), RPCError, { code: -32601, message: 'Method not found', data: { method: 'nope' } });
  });

  test('policy: pid -1 is refused (broadcast) and nothing is sent', async () => {
    await rejects(c.kill(-1, 'NONE'), PolicyError, { code: 'ERR_SIGRPC_POLICY', reason: 'broadcast' });
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
    assert.equal(await c.wait(child.pid, 50), false);
    const waiting = c.wait(child.pid, 5000);
    child.kill('SIGTERM');
    assert.equal(await waiting, true);
    assert.equal(await c.wait(ABSENT_PID), true);
  });

  test('wait does not hold up other calls', async () => {
    const child = await startChild();
    const waiting = c.wait(child.pid, 5000);
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
    const r = await c.terminate(child.pid, 'SIGTERM', { grace: 100, escalateGrace: 5000 });
    assert.deepEqual([r.exited, r.escalated], [true, true]);
    assert.ok(r.elapsedMs >= 100, `elapsed ${r.elapsedMs}`);
    assert.equal((await exited(child)).signal, 'SIGKILL');
  });

  test('terminate with escalate: null never escalates', async () => {
    const child = await startChild(['sh', '-c', 'trap "" USR1; exec sleep 60']);
    for (let i = 0; i < 200 && (await c.inspect(child.pid)).comm !== 'sleep'; i++) await new Promise((ok) => setTimeout(ok, 10));
    const r = await c.terminate(child.pid, 'USR1', { grace: 50, escalate: null });
    assert.deepEqual([r.exited, r.escalated], [false, false]);
    assert.ok(alive(child.pid));
  });

  test('terminate errors', async () => {
    await rejects(c.terminate(ABSENT_PID, 'TERM', { grace: 0 }), SystemError, { code: 'ESRCH', syscall: 'kill' });
    await rejects(c.terminate(ABSENT_PID, 'TERM', { escalate: 'NOPE' }), UnknownSignalError, { signal: 'NOPE' });
    await rejects(c.terminate(-1, 'NONE', { escalate: null }), PolicyError, { reason: 'broadcast' });
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
      c.wait(child.pid, 100),
      c.kill(ABSENT_PID, 0),
      c.signals(),
      c.signame(9),
      c.inspect(child.pid),
      c.kill(-1, 'NONE'),
      c.call('nope'),
    ]);
    assert.deepEqual(
      results.map((r) => (r.status === 'fulfilled' ? typeof r.value : /** @type {any} */ (r.reason).code)),
      ['number', 'boolean', 'ESRCH', 'object', 'string', 'object', 'ERR_SIGRPC_POLICY', -32601],
    );
  });

  test('per-call timeout: ERR_SIGRPC_TIMEOUT; the late answer is dropped', async () => {
    const child = await startChild();
    const start = Date.now();
    await rejects(c.wait(child.pid, 10_000, { timeout: 50 }), TimeoutError, { code: 'ERR_SIGRPC_TIMEOUT', method: 'wait', timeout: 50 });
    assert.ok(Date.now() - start < 2000);
    child.kill('SIGKILL'); // the helper now answers the wait; nobody is listening
    await exited(child);
    assert.equal(await c.signum('INT', { timeout: 5000 }), 2);
  });

  test('a default timeout from the options', async () => {
    const child = await startChild();
    const quick = await Client.start({ timeout: 500 }); // start() itself is not bound by it
    try {
      await rejects(quick.wait(child.pid, 10_000), TimeoutError, { timeout: 500 });
      assert.equal(await quick.signum('TERM'), 15);
      await rejects(quick.wait(child.pid, 10_000, { timeout: 20 }), TimeoutError, { timeout: 20 });
    } finally {
      await quick.close();
    }
  });

  test('an invalid timeout is rejected', async () => {
    await rejects(c.signum('TERM', { timeout: -1 }), RangeError, { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => new Client({ timeout: /** @type {any} */ ('1') }), { code: 'ERR_OUT_OF_RANGE' });
  });

  test('abort with an AbortSignal', async () => {
    const child = await startChild();
    const ac = new AbortController();
    const waiting = c.wait(child.pid, 10_000, { signal: ac.signal });
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
    await assert.rejects(c.wait(child.pid, 10_000, { signal: AbortSignal.timeout(30) }), (/** @type {any} */ err) => {
      assert.equal(err.code, 'ABORT_ERR');
      assert.equal(err.cause.name, 'TimeoutError');
      return true;
    });
  });

  test('a signal that never fires leaves no listener behind', async () => {
    const ac = new AbortController();
    for (let i = 0; i < 100; i++) await c.signum('TERM', { signal: ac.signal, timeout: 1000 });
    ac.abort(); // would reject a settled call if its listener were still there
    assert.equal(await c.signum('TERM'), 15);
  });
});

describe('finding the helper', { timeout: 10_000 }, () => {
  const saved = { SIGRPC_BIN: process.env.SIGRPC_BIN, PATH: process.env.PATH };
  afterEach(() => {
    process.env.SIGRPC_BIN = saved.SIGRPC_BIN;
    process.env.PATH = saved.PATH;
  });

  test('an explicit command that does not exist', () => {
    assert.throws(() => new Client({ command: '/nonexistent/sigrpc' }), (/** @type {any} */ err) => {
      assert.equal(err.code, 'ENOENT');
      assert.match(err.message, /command option "\/nonexistent\/sigrpc"/);
      return true;
    });
  });

  test('nothing found: the error names everything tried', async () => {
    process.env.SIGRPC_BIN = '/nonexistent/sigrpc';
    process.env.PATH = '/nonexistent-dir';
    assert.throws(() => new Client(), (/** @type {any} */ err) => {
      assert.equal(err.code, 'ENOENT');
      assert.match(err.message, /\$SIGRPC_BIN="\/nonexistent\/sigrpc" \(not an executable\)/);
      assert.match(err.message, /'sigrpc' on PATH \(not found\)/);
      assert.equal(err.tried.length, 2);
      return true;
    });
    delete process.env.SIGRPC_BIN;
    await assert.rejects(Client.start(), /\$SIGRPC_BIN \(not set\)/);
  });

  test('$SIGRPC_BIN, then sigrpc on PATH', async () => {
    process.env.SIGRPC_BIN = HELPER;
    process.env.PATH = '/nonexistent-dir';
    const a = await Client.start();
    assert.equal(await a.signum('TERM'), 15);
    await a.close();
    delete process.env.SIGRPC_BIN;
    process.env.PATH = `/nonexistent-dir:${dirname(HELPER)}`;
    const b = await Client.start();
    assert.equal(await b.signum('TERM'), 15);
    await b.close();
  });

  test('bad helper flags: start() rejects with the exit code and stderr', async () => {
    await rejects(Client.start({ args: ['--bogus-flag'] }), HelperExitedError, { code: 'ERR_SIGRPC_HELPER_EXITED', exitCode: 2 });
    await assert.rejects(Client.start({ args: ['--bogus-flag'] }), (/** @type {any} */ err) => {
      assert.match(err.stderr, /bogus-flag/);
      assert.match(err.message, /exit code 2/);
      return true;
    });
  });
});
