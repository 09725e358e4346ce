// Lifetime: close(), `closed`, the event loop, the helper dying under
// pending calls.
//
// SAFETY: the only processes signalled here are helpers that this test's own
// clients spawned (children of this process) and children from startChild().

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';

import { Client, HelperExitedError } from '../index.js';
import { ABSENT_PID, HERE, alive, eventually, killChildren, startChild, startTimeOf } from './helpers.js';

afterEach(killChildren);

/**
 * Run the lifecycle fixture in a fresh node; it must exit by itself within
 * `ms`. Resolves with its exit code, stdout and how long it took.
 * @param {string} mode
 * @param {number} ms
 */
function runFixture(mode, ms) {
  return new Promise((resolve) => {
    const start = Date.now();
    const child = spawn(process.execPath, [join(HERE, 'fixtures', 'lifecycle.mjs'), mode], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, elapsed: Date.now() - start });
    });
  });
}

/**
 * Assert that err is the helper-exited error.
 * @param {unknown} err
 * @param {RegExp} [message]
 */
function isHelperExited(err, message) {
  assert.ok(err instanceof HelperExitedError, String(err));
  assert.equal(err.code, 'ERR_SIGRPC_HELPER_EXITED');
  assert.equal(err.name, 'HelperExitedError');
  if (message) assert.match(err.message, message);
  return true;
}

describe('the event loop exits on its own', { timeout: 60_000, concurrency: true }, () => {
  for (const mode of ['close', 'close-not-awaited', 'closed-awaited', 'dispose', 'unref', 'unref-pending']) {
    test(mode, async () => {
      const r = /** @type {any} */ (await runFixture(mode, 5000));
      assert.equal(r.signal, null, `still running after 5 s (killed); stderr: ${r.stderr}`);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trim().split('\n');
      const helper = JSON.parse(lines[0]);
      if (mode === 'close-not-awaited') assert.equal(lines[1], 'late call ERR_SIGRPC_HELPER_EXITED');
      if (mode === 'unref-pending') assert.equal(lines[1], 'pending answered 1');
      if (mode === 'closed-awaited') {
        assert.deepEqual(JSON.parse(lines[1].slice('closed '.length)), { exitCode: 0, signal: null, stderr: '', requested: true });
      }
      // The helper is gone too (a never-closed one sees its stdin end and its parent die).
      assert.ok(await eventually(() => !alive(helper.pid, helper.startTime), 3000), `helper ${helper.pid} still running`);
    });
  }
});

describe('close', { timeout: 20_000 }, () => {
  test('leaves no process, is idempotent, settles closed; later calls reject', async () => {
    const c = await Client.start();
    const pid = /** @type {number} */ (c.pid);
    const start = startTimeOf(pid);
    const first = c.close();
    assert.equal(c.close(), first);
    await first;
    assert.equal(alive(pid, start), false);
    assert.deepEqual(await c.closed, { exitCode: 0, signal: null, stderr: '', requested: true, error: undefined });
    await c.close();
    await assert.rejects(c.signum('TERM'), (err) => isHelperExited(err, /closed/));
  });

  test('rejects every pending call at once, a long wait and terminate too', async () => {
    const stubborn = await startChild(['sh', '-c', 'trap "" TERM; exec sleep 60']);
    const sleeper = await startChild();
    const c = await Client.start();
    const waits = [c.wait(sleeper.pid, { timeout: 60_000 }), c.wait(sleeper.pid, { timeout: Infinity })];
    const stopping = c.terminate(stubborn.pid, 'TERM', { timeout: 60_000, escalate: null });
    const quick = Array.from({ length: 1000 }, (_, i) => c.signum(i));
    const all = Promise.allSettled([...waits, stopping, ...quick]);
    await new Promise((ok) => setTimeout(ok, 50)); // written, and the waits are in the helper
    const start = Date.now();
    const closing = c.close();
    const results = await all;
    assert.ok(Date.now() - start < 500, `the calls took ${Date.now() - start} ms to reject`);
    const rejected = results.filter((r) => r.status === 'rejected');
    assert.ok(rejected.length >= 3, 'the waits and the terminate at least');
    for (const r of rejected) isHelperExited(/** @type {PromiseRejectedResult} */ (r).reason);
    for (const r of results.slice(0, 3)) {
      assert.equal(r.status, 'rejected');
      isHelperExited(/** @type {PromiseRejectedResult} */ (r).reason, /closed before the helper answered (wait|terminate)/);
    }
    await closing;
    assert.ok(Date.now() - start < 1500, `close() took ${Date.now() - start} ms`);
    const exit = await c.closed;
    assert.equal(exit.requested, true);
    assert.equal(exit.signal, null, 'the helper exited by itself, not killed');
    assert.ok(alive(sleeper.pid), 'close() signals nothing but the helper');
  });

  test('a call made in the same tick as close() is never sent', async () => {
    const child = await startChild();
    const c = await Client.start();
    const killing = c.kill(child.pid, 'KILL');
    const closing = c.close();
    await assert.rejects(killing, (err) => isHelperExited(err, /closed before kill was sent/));
    await closing;
    assert.ok(alive(child.pid), 'the kill was not sent');
  });

  test('Symbol.asyncDispose closes', async () => {
    const c = await Client.start();
    const pid = /** @type {number} */ (c.pid);
    const start = startTimeOf(pid);
    await c[Symbol.asyncDispose]();
    assert.equal(alive(pid, start), false);
  });

  test('close() on a client that never started resolves', async () => {
    const c = new Client();
    await c.close();
    await assert.rejects(c.signum('TERM'), { code: 'ERR_SIGRPC_HELPER_EXITED' });
    assert.equal((await c.closed).requested, true);
  });
});

describe('the helper dies', { timeout: 20_000 }, () => {
  test('closed settles without a call being made', async () => {
    const c = await Client.start({ args: ['--log-level', 'debug'] });
    let settled = false;
    void c.closed.then(() => (settled = true));
    await new Promise((ok) => setTimeout(ok, 20));
    assert.equal(settled, false, 'not while the helper runs');
    process.kill(/** @type {number} */ (c.pid), 'SIGKILL'); // our own child
    const exit = await c.closed;
    assert.deepEqual([exit.exitCode, exit.signal, exit.requested], [null, 'SIGKILL', false]);
    assert.match(exit.stderr, /level=DEBUG msg=request method=signum/, 'the tail of its stderr');
    await assert.rejects(c.signum('TERM'), { code: 'ERR_SIGRPC_HELPER_EXITED', signal: 'SIGKILL' });
    await c.close();
  });

  test('killed mid-flight: every pending call rejects at once (not after its 60 s wait), and every later call', async () => {
    const child = await startChild();
    const c = await Client.start({ args: ['--log-level', 'debug'] });
    const calls = [];
    for (let i = 0; i < 50; i++) calls.push(c.wait(child.pid, { timeout: 60_000 }));
    for (let i = 0; i < 20_000; i++) calls.push(c.signum('TERM'));
    const settled = Promise.allSettled(calls);
    await new Promise((ok) => setTimeout(ok, 50)); // the waits are in the helper now
    const killedAt = Date.now();
    process.kill(/** @type {number} */ (c.pid), 'SIGKILL'); // our own child
    const results = await settled;
    // Far under the waits' 60 s, and loose enough for a loaded machine.
    assert.ok(Date.now() - killedAt < 10_000, `took ${Date.now() - killedAt} ms`);
    const rejected = results.filter((r) => r.status === 'rejected');
    assert.ok(rejected.length >= 50, 'the waits at least');
    for (const r of rejected) {
      const err = /** @type {any} */ (r).reason;
      isHelperExited(err);
      assert.equal(err.signal, 'SIGKILL');
      assert.equal(err.exitCode, null);
    }
    const err = /** @type {any} */ (rejected[0]).reason;
    assert.match(err.message, /killed by SIGKILL/);
    assert.match(err.stderr, /level=DEBUG msg=request method=/, 'the tail of its stderr');
    assert.ok(Buffer.byteLength(err.stderr) <= 4096, 'only the tail');
    await assert.rejects(c.signum('TERM'), { code: 'ERR_SIGRPC_HELPER_EXITED', signal: 'SIGKILL' });
    await c.close();
    const fresh = await Client.start();
    assert.equal(await fresh.signum('TERM'), 15, 'a new client works');
    await fresh.close();
  });

  test('exits by itself (SIGTERM): pending calls are answered, later ones reject', async () => {
    const c = await Client.start();
    // The helper catches SIGTERM once a session lasts; a call that can wait
    // is answered only once it does.
    assert.equal(await c.wait(ABSENT_PID, { timeout: 1 }), true);
    const calls = Array.from({ length: 100 }, () => c.signum('TERM'));
    await Promise.all(calls);
    process.kill(/** @type {number} */ (c.pid), 'SIGTERM'); // our own child; it drains and exits 0
    await assert.rejects(
      (async () => {
        for (;;) {
          await c.signum('TERM');
          await new Promise((ok) => setTimeout(ok, 5));
        }
      })(),
      { code: 'ERR_SIGRPC_HELPER_EXITED', exitCode: 0 },
    );
    assert.deepEqual(await c.closed, { exitCode: 0, signal: null, stderr: '', requested: false, error: undefined });
    await c.close();
  });
});
