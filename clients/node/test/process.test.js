// The process handle, client.process(pid), and children(), against the real
// helper.
//
// SAFETY: only children started by startChild() (and their own children,
// such as the zombie below), the clients' own helpers and ABSENT_PID are
// signalled. A pid that names another process is simulated with a wrong
// start time for one of our own children, never by signalling a stranger.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, afterEach, before, describe, test } from 'node:test';

import { Client, Process, RPCError, SystemError } from '../index.js';
import { ABSENT_PID, alive, eventually, exited, killChildren, startChild, startTimeOf, stateOf } from './helpers.js';

/** @type {Client} */
let c;
/** @type {Set<string>} the helper's methods */
let methods;
/** @type {Map<string, Set<string>>} the helper's params, by method */
let params;
before(async () => {
  c = await Client.start();
  const doc = /** @type {any} */ (await c.call('rpc.discover'));
  methods = new Set(doc.methods.map((/** @type {any} */ m) => m.name));
  params = new Map(doc.methods.map((/** @type {any} */ m) => [m.name, new Set(m.params.map((/** @type {any} */ p) => p.name))]));
});
after(async () => {
  await c.close();
  await killChildren();
});
afterEach(killChildren);

/** A child that ignores TERM, once its shell has become `sleep`. */
async function stubbornChild() {
  const child = await startChild(['sh', '-c', 'trap "" TERM; exec sleep 60']);
  assert.ok(await eventually(() => commOf(child.pid) === 'sleep', 5000));
  return child;
}

/** @param {number} pid */
function commOf(pid) {
  return stateOf(pid)?.comm ?? null;
}

describe('client.process(pid)', { timeout: 20_000 }, () => {
  test('captures the pid and its start time; isRunning, info', async () => {
    const child = await startChild();
    const p = await c.process(child.pid);
    assert.ok(p instanceof Process);
    assert.equal(p.pid, child.pid);
    assert.equal(p.startTime, startTimeOf(child.pid));
    assert.equal(await p.isRunning(), true);
    const info = await p.info();
    assert.equal(info.pid, child.pid);
    assert.equal(info.comm, 'sleep');
    assert.equal(info.startTime, p.startTime);
  });

  test('no such process: ESRCH', async () => {
    await assert.rejects(c.process(ABSENT_PID), (/** @type {any} */ err) => {
      assert.ok(err instanceof SystemError);
      assert.equal(err.code, 'ESRCH');
      assert.equal(err.errno, -3);
      return true;
    });
  });

  test('sendSignal, terminate and kill deliver to the process', async () => {
    const a = await startChild();
    await (await c.process(a.pid)).sendSignal('SIGUSR1');
    assert.equal((await exited(a)).signal, 'SIGUSR1');
    const b = await startChild();
    const pb = await c.process(b.pid);
    assert.equal(await pb.terminate(), undefined);
    assert.equal((await exited(b)).signal, 'SIGTERM');
    const k = await stubbornChild();
    await (await c.process(k.pid)).kill();
    assert.equal((await exited(k)).signal, 'SIGKILL');
  });

  test('sendSignal(0) checks; an unknown signal is ERR_UNKNOWN_SIGNAL', async () => {
    const child = await startChild();
    const p = await c.process(child.pid);
    await p.sendSignal(0);
    await p.sendSignal('NONE');
    await assert.rejects(p.sendSignal('FOO'), { code: 'ERR_UNKNOWN_SIGNAL', name: 'UnknownSignalError' });
    await assert.rejects(p.sendSignal(/** @type {any} */ (1.5)), { code: 'ERR_UNKNOWN_SIGNAL' });
    assert.ok(alive(child.pid));
  });

  test('once the process has exited, sendSignal rejects with ESRCH and isRunning is false', async () => {
    const child = await startChild();
    const p = await c.process(child.pid);
    child.kill('SIGKILL');
    await exited(child);
    assert.equal(await p.isRunning(), false);
    await assert.rejects(p.sendSignal('TERM'), { code: 'ESRCH', syscall: 'kill' });
    await assert.rejects(p.info(), { code: 'ESRCH' });
    assert.equal(await p.wait({ timeout: 0 }), true);
  });

  test('a pid that names another process: nothing is sent, ESRCH start_time mismatch', async () => {
    // Our own child stands for the pid's new owner: the handle's start time is not its.
    const child = await startChild();
    const stale = new Process(c, child.pid, '1');
    await assert.rejects(stale.sendSignal('KILL'), (/** @type {any} */ err) => {
      assert.ok(err instanceof SystemError);
      assert.deepEqual([err.code, err.errno, err.syscall, err.reason, err.rpcCode], ['ESRCH', -3, 'kill', 'start_time mismatch', -32000]);
      return true;
    });
    await assert.rejects(stale.terminate(), { code: 'ESRCH', reason: 'start_time mismatch' });
    await assert.rejects(stale.kill(), { code: 'ESRCH', reason: 'start_time mismatch' });
    await assert.rejects(stale.stop({ timeout: 0 }), { code: 'ESRCH', reason: 'start_time mismatch' });
    await assert.rejects(stale.info(), { code: 'ESRCH', reason: 'start_time mismatch' });
    assert.equal(await stale.isRunning(), false);
    assert.equal(await stale.wait(), true, 'the process it names is gone; the pid\'s new owner is not waited for');
    assert.ok(alive(child.pid), 'nothing was sent');
    assert.equal(await c.wait(child.pid), false);
  });

  test('a zombie is not running, and wait sees it exited', async () => {
    // `sleep 0.1` exits while its parent shell is blocked in `read`, which
    // does not reap it; ending the shell's input lets it reap and exit.
    const parent = spawn('sh', ['-c', 'sleep 0.1 & read x; wait'], { stdio: ['pipe', 'ignore', 'ignore'] });
    try {
      /** @type {number | undefined} */
      let pid;
      assert.ok(
        await eventually(() => {
          pid = stateOf(/** @type {number} */ (parent.pid))?.children[0];
          return pid !== undefined && stateOf(pid)?.state === 'Z';
        }, 5000),
        'it became a zombie',
      );
      const p = await c.process(/** @type {number} */ (pid));
      assert.equal(await p.isRunning(), false);
      assert.equal(await p.wait({ timeout: 5000 }), true);
      assert.equal((await p.info()).state, 'Z');
    } finally {
      parent.stdin.end();
      await exited(parent);
    }
  });

  test('wait: false after the timeout, true once it exits; no timeout waits as long as it takes', async () => {
    const child = await startChild();
    const p = await c.process(child.pid);
    assert.equal(await p.wait({ timeout: 0 }), false);
    const start = Date.now();
    assert.equal(await p.wait({ timeout: 100 }), false);
    assert.ok(Date.now() - start >= 90, `waited ${Date.now() - start} ms`);
    const forever = p.wait();
    const bounded = p.wait({ timeout: 10_000 });
    assert.equal(await c.signum('TERM'), 15, 'the waits hold up nothing');
    child.kill('SIGTERM');
    assert.deepEqual(await Promise.all([forever, bounded]), [true, true]);
    await assert.rejects(p.wait({ timeout: -1 }), { code: 'ERR_OUT_OF_RANGE' });
    await assert.rejects(p.wait({ timeout: /** @type {any} */ ('1') }), { code: 'ERR_INVALID_ARG_TYPE' });
  });

  test('stop: TERM, then the escalation', async () => {
    const obeys = await startChild();
    const r = await (await c.process(obeys.pid)).stop();
    assert.deepEqual([r.exited, r.escalated, r.members], [true, false, undefined]);
    assert.equal((await exited(obeys)).signal, 'SIGTERM');

    const stubborn = await stubbornChild();
    const ps = await c.process(stubborn.pid);
    const kept = await ps.stop({ timeout: 50, escalate: null });
    assert.deepEqual([kept.exited, kept.escalated], [false, false]);
    assert.equal(await ps.isRunning(), true);
    const killed = await ps.stop({ timeout: 50, escalateTimeout: 5000 });
    assert.deepEqual([killed.exited, killed.escalated], [true, true]);
    assert.equal((await exited(stubborn)).signal, 'SIGKILL');
  });

  test('stop({ tree }): tree is sent only when true', async (t) => {
    const child = await startChild();
    const p = await c.process(child.pid);
    const r = await p.stop({ tree: false, timeout: 5000 });
    assert.equal(r.exited, true, 'tree: false works with any helper');
    if (!params.get('terminate')?.has('tree')) {
      const other = await startChild();
      await assert.rejects((await c.process(other.pid)).stop({ tree: true }), (/** @type {any} */ err) => {
        assert.ok(err instanceof RPCError);
        assert.deepEqual([err.code, err.rpcCode, err.data], ['ERR_SIGRPC_INVALID_PARAMS', -32602, { param: 'tree' }]);
        return true;
      });
      assert.ok(alive(other.pid), 'an older helper refuses the request whole');
      return t.skip('this helper has no terminate(tree): checked only that it refuses');
    }
    const root = await startChild(['sh', '-c', 'sleep 60 & sleep 60 & wait']);
    const members = await eventuallyChildren(root.pid, 2);
    const tree = await (await c.process(root.pid)).stop({ tree: true, timeout: 5000 });
    assert.equal(tree.exited, true);
    const pids = (tree.members ?? []).map((m) => m.pid).sort();
    assert.deepEqual(pids, [root.pid, ...members].sort());
    for (const m of tree.members ?? []) assert.equal(typeof m.startTime, 'string');
    assert.ok(tree.method === 'listing' || tree.method === 'fork-events', String(tree.method));
    assert.equal(tree.complete, tree.method === 'fork-events');
    for (const pid of members) assert.ok(await eventually(() => !alive(pid), 5000), `member ${pid} is gone`);
  });

  test('arguments are checked before anything is sent', async () => {
    assert.throws(() => new Process(c, /** @type {any} */ ('1'), '5'), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => new Process(c, 1.5, '5'), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => new Process(c, 1, /** @type {any} */ (5)), { code: 'ERR_INVALID_ARG_TYPE' });
    await assert.rejects(c.process(/** @type {any} */ ('1')), { code: 'ERR_INVALID_ARG_TYPE', name: 'TypeError' });
  });
});

/**
 * The pids of a child's children once it has `n`, read from /proc.
 * @param {number} pid
 * @param {number} n
 */
async function eventuallyChildren(pid, n) {
  /** @type {number[]} */
  let kids = [];
  await eventually(() => {
    kids = childrenOf(pid);
    return kids.length >= n;
  }, 5000);
  return kids;
}

/** @param {number} pid @returns {number[]} */
function childrenOf(pid) {
  return stateOf(pid)?.children ?? [];
}

describe('children', { timeout: 20_000 }, () => {
  test('lists the children, or every descendant', async (t) => {
    const root = await startChild(['sh', '-c', 'sleep 60 & sh -c "sleep 60 & wait" & wait']);
    const kids = await eventuallyChildren(root.pid, 2);
    assert.ok(await eventually(() => kids.some((k) => childrenOf(k).length > 0), 5000), 'the inner sh forked');
    if (!methods.has('children')) {
      await assert.rejects(c.children(root.pid), { code: 'ERR_SIGRPC_METHOD_NOT_FOUND', rpcCode: -32601 });
      return t.skip('this helper has no children method: checked only that it says so');
    }
    const direct = await c.children(root.pid);
    assert.deepEqual(direct.map((k) => k.pid).sort(), kids.sort());
    for (const k of direct) {
      assert.equal(k.ppid, root.pid);
      assert.equal(k.startTime, startTimeOf(k.pid));
      assert.equal(typeof k.comm, 'string');
    }
    const all = await c.children(root.pid, { recursive: true });
    assert.ok(all.length >= 3, `${all.length} descendants`);
    assert.deepEqual((await c.children(root.pid, { recursive: false })).length, direct.length);
  });

  test('arguments are checked before anything is sent', async () => {
    await assert.rejects(c.children(1.5), { code: 'ERR_INVALID_ARG_TYPE' });
    await assert.rejects(c.children(ABSENT_PID, { recursive: /** @type {any} */ (1) }), { code: 'ERR_INVALID_ARG_TYPE' });
  });
});
