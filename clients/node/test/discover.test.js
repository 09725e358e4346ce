// The client's one definition of the calls (src/calls.js) held against the
// built helper's description of itself (rpc.discover, an OpenRPC document):
// a helper method or param the client lacks, or a default the client states
// differently (in wire units), fails here. The client may know methods and
// params that the helper does not have yet (children, terminate's tree).
// Result types are checked in results.test.js.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { Client } from '../index.js';
import { CALLS, NOT_WRAPPED, writeParams } from '../src/calls.js';
import { discover } from './openrpc.js';

const METHODS = discover();
/** @type {Record<string, import('../src/calls.js').Call>} */
const calls = CALLS;

describe('the client against rpc.discover', { timeout: 10_000 }, () => {
  test('every helper method is wrapped, or listed as not wrapped with a reason', () => {
    for (const m of METHODS) {
      if (m.name in NOT_WRAPPED) {
        assert.ok(/** @type {Record<string, string>} */ (NOT_WRAPPED)[m.name].length > 20, `${m.name}: say why`);
        continue;
      }
      assert.ok(m.name in calls, `the helper has ${m.name}; the client lacks it (add it to src/calls.js, or to NOT_WRAPPED with a reason)`);
      assert.equal(calls[m.name].method, m.name);
    }
  });

  test('every helper param is known to the client, required alike, with the same default', () => {
    for (const m of METHODS) {
      const call = calls[m.name];
      if (call === undefined) continue;
      for (const p of m.params) {
        const mine = call.params.find((q) => q.wire === p.name);
        assert.ok(mine, `${m.name}(${p.name}): the client lacks this param`);
        assert.equal(Boolean(mine.required), Boolean(p.required), `${m.name}(${p.name}): required`);
        const helperStates = p.schema !== undefined && 'default' in p.schema;
        const clientStates = 'default' in mine;
        if (helperStates || clientStates) {
          assert.ok(helperStates, `${m.name}(${p.name}): the client states a default of ${JSON.stringify(mine.default)}, the helper none`);
          assert.ok(clientStates, `${m.name}(${p.name}): the helper's default is ${JSON.stringify(p.schema?.default)}; the client states none`);
          assert.deepEqual(mine.default, p.schema?.default, `${m.name}(${p.name}): default`);
        }
      }
    }
  });

  test('what the client has that this helper does not (yet)', (t) => {
    const helper = new Map(METHODS.map((m) => [m.name, new Set(m.params.map((p) => p.name))]));
    /** @type {string[]} */
    const ahead = [];
    for (const [name, call] of Object.entries(calls)) {
      const params = helper.get(name);
      if (params === undefined) ahead.push(`${name}()`);
      else for (const p of call.params) if (!params.has(p.wire)) ahead.push(`${name}(${p.wire})`);
    }
    t.diagnostic(ahead.length ? `client only: ${ahead.join(', ')}` : 'the helper has everything the client knows');
    // Each of these is a method or param PROTOCOL.md (v2) adds; nothing else may be.
    for (const item of ahead) assert.ok(['children()', 'terminate(tree)'].includes(item), `${item} is in neither the helper nor the contract`);
  });

  test('the Client has a method for every call', () => {
    for (const name of Object.keys(calls)) {
      assert.equal(typeof (/** @type {any} */ (Client.prototype)[name]), 'function', name);
    }
  });
});

describe('writing params', { timeout: 10_000 }, () => {
  test('named params; what is not given is left to the helper\'s default', () => {
    assert.equal(writeParams(CALLS.kill, [5], undefined), ',"params":{"pid":5}');
    assert.equal(writeParams(CALLS.kill, [5, null], {}), ',"params":{"pid":5}');
    assert.equal(writeParams(CALLS.kill, [5, 'HUP'], { startTime: '7' }), ',"params":{"pid":5,"signal":"HUP","start_time":"7"}');
    assert.equal(writeParams(CALLS.signals, [], undefined), '');
    assert.equal(writeParams(CALLS.wait, [5], { timeout: 1.5 }), ',"params":{"pid":5,"timeout_ms":2}');
  });

  test('terminate: escalate null is sent; tree only when true', () => {
    assert.equal(writeParams(CALLS.terminate, [5], { escalate: null }), ',"params":{"pid":5,"escalate":null}');
    assert.equal(writeParams(CALLS.terminate, [5], { tree: false }), ',"params":{"pid":5}');
    assert.equal(writeParams(CALLS.terminate, [5], { tree: true }), ',"params":{"pid":5,"tree":true}');
    assert.equal(
      writeParams(CALLS.terminate, [5, 9], { timeout: 10, escalate: 'KILL', escalateTimeout: 20 }),
      ',"params":{"pid":5,"signal":9,"timeout_ms":10,"escalate":"KILL","escalate_timeout_ms":20}',
    );
  });

  test('options that are not the method\'s are ignored; a wrong value throws as Node does', () => {
    assert.equal(writeParams(CALLS.inspect, [5], { startTime: '1', rpcTimeout: 5 }), ',"params":{"pid":5}');
    assert.throws(() => writeParams(CALLS.inspect, [], undefined), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => writeParams(CALLS.children, [5], { recursive: 'yes' }), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => writeParams(CALLS.terminate, [5], { timeout: Infinity }), { code: 'ERR_OUT_OF_RANGE' });
  });
});
