// Lifetime: close(), the event loop, the helper dying under pending calls.
//
// SAFETY: the only processes signalled here are helpers that this test's own
// clients spawned (children of this process).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { Client, HelperExitedError } from '../index.js';
import { HERE, alive, eventually, killChildren, startChild, startTimeOf } from './helpers.js';

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

describe('the event loop exits on its own', { timeout: 60_000 }, () => {
  for (const mode of ['close', 'close-not-awaited', 'dispose', 'unref', 'unref-pending']) {
    test(mode, async () => {
      const r = /** @type {any} */ (await runFixture(mode, 5000));
      assert.equal(r.signal, null, `still running after 5 s (killed); stderr: ${r.stderr}`);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trim().split('\n');
      const helper = JSON.parse(lines[0]);
      if (mode === 'close-not-awaited') assert.equal(lines[1], 'late answer 2');
      if (mode === 'unref-pending') assert.equal(lines[1], 'pending answered 1');
      // The helper is gone too (a never-closed one sees its stdin end and its parent die).
      assert.ok(await eventually(() => !alive(helper.pid, helper.startTime), 3000), `helper ${helper.pid} still running`);
    });
  }
});

describe('close', { timeout: 10_000 }, () => {
  test('leaves no process, is idempotent, and later calls reject', async () => {
    const c = await Client.start();
    const pid = /** @type {number} */ (c.pid);
    const start = startTimeOf(pid);
    const first = c.close();
    assert.equal(c.close(), first);
    await first;
    assert.equal(alive(pid, start), false);
    await c.close();
    await assert.rejects(c.signum('TERM'), (/** @type {any} */ err) => {
      assert.ok(err instanceof HelperExitedError);
      assert.equal(err.code, 'ERR_SIGRPC_HELPER_EXITED');
      assert.match(err.message, /closed/);
      return true;
    });
  });

  test('calls made before close() are still answered', async () => {
    const c = await Client.start();
    const calls = Array.from({ length: 1000 }, (_, i) => c.signum(i));
    const closing = c.close();
    assert.deepEqual(await Promise.all(calls), Array.from({ length: 1000 }, (_, i) => i));
    await closing;
  });

  test('a pending wait is answered (not exited) when the helper drains', async () => {
    const child = await startChild();
    try {
      const c = await Client.start();
      const waiting = c.wait(child.pid, 60_000);
      await new Promise((ok) => setTimeout(ok, 20));
      const start = Date.now();
      await c.close();
      assert.equal(await waiting, false);
      assert.ok(Date.now() - start < 2000);
    } finally {
      killChildren();
    }
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
  });
});

describe('the helper dies', { timeout: 20_000 }, () => {
  test('killed mid-flight: every pending call rejects within 1 s, and every later call', async () => {
    const child = await startChild();
    try {
      const c = await Client.start({ args: ['--log-level', 'debug'] });
      const calls = [];
      for (let i = 0; i < 50; i++) calls.push(c.wait(child.pid, 60_000));
      for (let i = 0; i < 20_000; i++) calls.push(c.signum('TERM'));
      const settled = Promise.allSettled(calls);
      await new Promise((ok) => setTimeout(ok, 50)); // the waits are in the helper now
      const killedAt = Date.now();
      process.kill(/** @type {number} */ (c.pid), 'SIGKILL'); // our own child
      const results = await settled;
      assert.ok(Date.now() - killedAt < 1000, `took ${Date.now() - killedAt} ms`);
      const rejected = results.filter((r) => r.status === 'rejected');
      assert.ok(rejected.length >= 50, 'the waits at least');
      for (const r of rejected) {
        const err = /** @type {any} */ (r).reason;
        assert.ok(err instanceof HelperExitedError);
        assert.equal(err.code, 'ERR_SIGRPC_HELPER_EXITED');
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
    } finally {
      killChildren();
    }
  });

  test('exits by itself (SIGTERM): pending calls are answered, later ones reject', async () => {
    const c = await Client.start();
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
    await c.close();
  });
});
