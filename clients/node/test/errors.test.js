// The mapping from JSON-RPC errors to Node-style errors, for every code,
// including those the helper cannot be made to answer to a well-formed call
// (-32700, -32600, -32603, -32002 on Linux); client.test.js checks the
// reachable ones against the real helper.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  AbortError,
  HelperExitedError,
  PolicyError,
  RPCError,
  SystemError,
  TimeoutError,
  UnknownSignalError,
  codes,
} from '../index.js';
import { fromRPCError } from '../src/errors.js';

describe('fromRPCError', { timeout: 10_000 }, () => {
  test('-32000 ESRCH is shaped like process.kill throws it', () => {
    const err = fromRPCError({ code: -32000, message: 'No such process', data: { errno: 'ESRCH', errnum: 3 } }, 'kill');
    assert.ok(err instanceof SystemError && err instanceof Error);
    assert.equal(err.code, 'ESRCH');
    assert.equal(err.name, 'SystemError');
    assert.equal(/** @type {SystemError} */ (err).rpcCode, -32000);
    assert.equal(/** @type {SystemError} */ (err).errno, -3);
    assert.equal(/** @type {SystemError} */ (err).syscall, 'kill');
    assert.equal(err.message, 'kill ESRCH: No such process');
    // The same fields process.kill puts on its error.
    let native;
    try {
      process.kill(2147483647, 0);
    } catch (e) {
      native = /** @type {any} */ (e);
    }
    assert.deepEqual(
      { code: err.code, errno: /** @type {any} */ (err).errno, syscall: /** @type {any} */ (err).syscall },
      { code: native.code, errno: native.errno, syscall: native.syscall },
    );
  });

  test('-32000 keeps the reason; terminate is a kill, other methods name themselves', () => {
    const data = { errno: 'ESRCH', errnum: 3, reason: 'start_time mismatch' };
    const err = /** @type {SystemError} */ (fromRPCError({ code: -32000, message: 'No such process', data }, 'terminate'));
    assert.equal(err.reason, 'start_time mismatch');
    assert.equal(err.syscall, 'kill');
    assert.match(err.message, /start_time mismatch/);
    const inspect = /** @type {SystemError} */ (fromRPCError({ code: -32000, message: 'No such process', data: { errno: 'ESRCH', errnum: 3 } }, 'inspect'));
    assert.equal(inspect.syscall, 'inspect');
    assert.equal(inspect.reason, undefined);
  });

  test('-32000 EPERM, EINVAL, EAGAIN', () => {
    for (const [errno, errnum, text] of [['EPERM', 1, 'Operation not permitted'], ['EINVAL', 22, 'Invalid argument'], ['EAGAIN', 11, 'Resource temporarily unavailable']]) {
      const err = /** @type {SystemError} */ (fromRPCError({ code: -32000, message: String(text), data: { errno, errnum } }, 'kill'));
      assert.equal(err.code, errno);
      assert.equal(err.errno, -errnum);
    }
  });

  test('-32602 with data.reason unknown-signal is ERR_UNKNOWN_SIGNAL, a TypeError', () => {
    const err = fromRPCError({ code: -32602, message: 'unknown signal name', data: { signal: 'FOO', reason: 'unknown-signal' } }, 'kill');
    assert.ok(err instanceof UnknownSignalError && err instanceof TypeError);
    assert.equal(err.code, 'ERR_UNKNOWN_SIGNAL');
    assert.equal(err.name, 'UnknownSignalError');
    assert.equal(/** @type {UnknownSignalError} */ (err).rpcCode, -32602);
    assert.equal(/** @type {UnknownSignalError} */ (err).signal, 'FOO');
    assert.equal(err.message, 'Unknown signal: FOO');
  });

  test('only data.reason says a signal is unknown, never the message text', () => {
    const byText = fromRPCError({ code: -32602, message: 'unknown signal name', data: { signal: 'FOO' } }, 'kill');
    assert.ok(byText instanceof RPCError);
    assert.equal(byText.code, 'ERR_SIGRPC_INVALID_PARAMS');
    const reworded = fromRPCError({ code: -32602, message: 'no such signal', data: { signal: 'FOO', reason: 'unknown-signal' } }, 'terminate');
    assert.ok(reworded instanceof UnknownSignalError);
  });

  test('-32001 is ERR_SIGRPC_POLICY with the reason', () => {
    for (const reason of ['broadcast', 'process-group', 'self', 'uid', 'not-descendant']) {
      const err = fromRPCError({ code: -32001, message: `refused by policy: ${reason}`, data: { reason } }, 'kill');
      assert.ok(err instanceof PolicyError);
      assert.equal(err.code, 'ERR_SIGRPC_POLICY');
      assert.equal(err.name, 'PolicyError');
      assert.equal(/** @type {PolicyError} */ (err).rpcCode, -32001);
      assert.equal(/** @type {PolicyError} */ (err).reason, reason);
    }
  });

  test('every other code is an RPCError: code a string, rpcCode the number, message and data', () => {
    const cases = [
      [codes.PARSE_ERROR, 'ERR_SIGRPC_PARSE_ERROR', 'Parse error', undefined],
      [codes.INVALID_REQUEST, 'ERR_SIGRPC_INVALID_REQUEST', 'Invalid Request', undefined],
      [codes.METHOD_NOT_FOUND, 'ERR_SIGRPC_METHOD_NOT_FOUND', 'Method not found', { method: 'nope' }],
      [codes.INVALID_PARAMS, 'ERR_SIGRPC_INVALID_PARAMS', 'invalid params: "pid" must be an integer', { param: 'pid' }],
      [codes.INTERNAL_ERROR, 'ERR_SIGRPC_INTERNAL_ERROR', 'Internal error', undefined],
      [codes.UNSUPPORTED, 'ERR_SIGRPC_UNSUPPORTED', 'unsupported on this platform', undefined],
      [codes.OS_ERROR, 'ERR_SIGRPC_OS_ERROR', 'no errno', undefined],
      [-1, 'ERR_SIGRPC_RPC', 'anything', [1, 2]],
    ];
    for (const [rpcCode, code, message, data] of cases) {
      const err = fromRPCError({ code: rpcCode, message, data }, 'inspect');
      assert.ok(err instanceof RPCError, String(rpcCode));
      assert.equal(err.code, code);
      assert.equal(/** @type {RPCError} */ (err).rpcCode, rpcCode);
      assert.equal(err.name, 'RPCError');
      assert.equal(err.message, message);
      assert.deepEqual(/** @type {RPCError} */ (err).data, data);
    }
  });

  test('a malformed error member is still an Error with a string code', () => {
    for (const error of [{}, { code: 'x' }, { code: -32000, data: null }, { code: -32000, data: { errno: 3 } }]) {
      const err = /** @type {any} */ (fromRPCError(/** @type {any} */ (error), 'kill'));
      assert.ok(err instanceof Error);
      assert.equal(typeof err.code, 'string');
    }
  });

  test('every exported error class names itself, and its stack says so', () => {
    /** @type {[Function, Error][]} */
    const made = [
      [SystemError, new SystemError('ESRCH', 3, 'kill', 'No such process')],
      [UnknownSignalError, new UnknownSignalError('FOO')],
      [PolicyError, new PolicyError('refused', 'self')],
      [HelperExitedError, new HelperExitedError('gone')],
      [TimeoutError, new TimeoutError('wait', 1)],
      [AbortError, new AbortError()],
      [RPCError, new RPCError(-32601, 'Method not found')],
    ];
    for (const [cls, err] of made) {
      assert.equal(err.name, cls.name);
      assert.ok(/** @type {string} */ (err.stack).startsWith(`${cls.name}: `), /** @type {string} */ (err.stack));
      assert.equal(typeof (/** @type {any} */ (err).code), 'string', cls.name);
    }
  });

  test('the other error classes', () => {
    const exited = new HelperExitedError('gone', { exitCode: null, signal: 'SIGKILL', stderr: 'tail' });
    assert.equal(exited.code, 'ERR_SIGRPC_HELPER_EXITED');
    assert.equal(exited.name, 'HelperExitedError');
    assert.equal(exited.signal, 'SIGKILL');
    assert.equal(exited.exitCode, null);
    assert.equal(exited.stderr, 'tail');
    const timeout = new TimeoutError('wait', 50);
    assert.equal(timeout.code, 'ERR_SIGRPC_TIMEOUT');
    assert.equal(timeout.name, 'TimeoutError');
    assert.equal(timeout.timeout, 50);
    const reason = new Error('stop');
    const abort = new AbortError(reason);
    assert.equal(abort.code, 'ABORT_ERR');
    assert.equal(abort.name, 'AbortError');
    assert.equal(abort.cause, reason);
  });
});
