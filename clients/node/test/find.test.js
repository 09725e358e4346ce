// Finding the helper: the command option, $SIGRPC_BIN, the helper bundled in
// the platform package, sigrpc on PATH; and what the not-found error says.
// The bundled lookup runs a copy of the package inside a temporary
// node_modules that holds a fake @sigrpc/<platform>-<arch>.

import assert from 'node:assert/strict';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, afterEach, before, describe, test } from 'node:test';

import { Client, HelperExitedError } from '../index.js';
import { PLATFORM_PACKAGE } from '../src/find.js';
import { HELPER, PACKAGE } from './helpers.js';

const saved = { SIGRPC_BIN: process.env.SIGRPC_BIN, PATH: process.env.PATH };
afterEach(() => {
  process.env.SIGRPC_BIN = saved.SIGRPC_BIN;
  process.env.PATH = saved.PATH;
});

/**
 * @param {() => unknown} fn
 * @returns {Error & {code: string, tried: string[]}}
 */
function thrown(fn) {
  try {
    fn();
  } catch (err) {
    return /** @type {any} */ (err);
  }
  assert.fail('did not throw');
}

describe('finding the helper', { timeout: 20_000 }, () => {
  test('an explicit command that does not exist: nothing else is tried', () => {
    const err = thrown(() => new Client({ command: '/nonexistent/sigrpc' }));
    assert.equal(err.code, 'ENOENT');
    assert.match(err.message, /the command option "\/nonexistent\/sigrpc" \(not an executable\)/);
    assert.equal(err.tried.length, 1);
    const named = thrown(() => new Client({ command: 'no-such-sigrpc' }));
    assert.match(named.message, /"no-such-sigrpc" \(not found on PATH\)/);
  });

  test('nothing found: the error names everything tried, in order, and how to install', async () => {
    process.env.SIGRPC_BIN = '/nonexistent/sigrpc';
    process.env.PATH = '/nonexistent-dir';
    const err = thrown(() => new Client());
    assert.equal(err.code, 'ENOENT');
    assert.deepEqual(err.tried, [
      '$SIGRPC_BIN="/nonexistent/sigrpc" (not an executable)',
      `the bundled helper in ${PLATFORM_PACKAGE} (not installed)`,
      "'sigrpc' on PATH (not found)",
    ]);
    assert.match(err.message, /npm install sigrpc/);
    assert.match(err.message, /once sigrpc is released on npm/);
    assert.ok(err.message.includes(`make dist`), err.message);
    assert.ok(err.message.includes(`dist/npm/sigrpc-${process.platform}-${process.arch}-*.tgz`), err.message);
    assert.match(err.message, new RegExp(`installs ${PLATFORM_PACKAGE}`));
    assert.match(err.message, /go build \.\/cmd\/sigrpc/);
    assert.match(err.message, /SIGRPC_BIN/);
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
    await assert.rejects(Client.start({ args: ['--bogus-flag'] }), (/** @type {any} */ err) => {
      assert.ok(err instanceof HelperExitedError);
      assert.equal(err.code, 'ERR_SIGRPC_HELPER_EXITED');
      assert.equal(err.exitCode, 2);
      assert.match(err.stderr, /bogus-flag/);
      assert.match(err.message, /exit code 2/);
      return true;
    });
  });
});

describe('the helper bundled in the platform package', { timeout: 20_000 }, () => {
  /** @type {string} */
  let root;
  /** @type {typeof import('../src/find.js')} */
  let find;
  /** @type {string} */
  let bundled;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'sigrpc-node-find-'));
    const pkg = join(root, 'node_modules', 'sigrpc');
    mkdirSync(pkg, { recursive: true });
    for (const f of ['package.json', 'index.js', 'src']) cpSync(join(PACKAGE, f), join(pkg, f), { recursive: true });
    const plat = join(root, 'node_modules', ...PLATFORM_PACKAGE.split('/'));
    mkdirSync(join(plat, 'bin'), { recursive: true });
    writeFileSync(join(plat, 'package.json'), JSON.stringify({ name: PLATFORM_PACKAGE, version: '0.0.0' }));
    bundled = join(plat, 'bin', 'sigrpc');
    symlinkSync(HELPER, bundled);
    find = await import(pathToFileURL(join(pkg, 'src', 'find.js')).href);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('is found after $SIGRPC_BIN and before PATH', async () => {
    delete process.env.SIGRPC_BIN;
    process.env.PATH = dirname(HELPER); // would be found there too: the bundled one comes first
    assert.equal(find.findHelper(), bundled);
    process.env.SIGRPC_BIN = HELPER;
    assert.equal(find.findHelper(), HELPER);
    assert.equal(find.findHelper('/bin/sh'), '/bin/sh', 'the command option comes first');
  });

  test('a client of the copied package runs it', async () => {
    delete process.env.SIGRPC_BIN;
    process.env.PATH = '/nonexistent-dir';
    const { Client: Copied } = await import(pathToFileURL(join(root, 'node_modules', 'sigrpc', 'index.js')).href);
    const c = await Copied.start();
    try {
      assert.equal(await c.signum('TERM'), 15);
    } finally {
      await c.close();
    }
  });

  test('a platform package without an executable helper is reported, and the search goes on', () => {
    delete process.env.SIGRPC_BIN;
    process.env.PATH = '/nonexistent-dir';
    rmSync(bundled);
    writeFileSync(bundled, 'not a program');
    chmodSync(bundled, 0o644);
    const err = thrown(() => find.findHelper());
    assert.equal(err.tried[1], `the bundled helper ${JSON.stringify(bundled)} (not an executable)`);
    process.env.PATH = dirname(HELPER);
    assert.equal(find.findHelper(), join(dirname(HELPER), 'sigrpc'));
  });
});
