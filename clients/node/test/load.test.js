// Load: a million pipelined calls with 256 in flight, none lost or
// mismatched, and the helper's memory flat.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { Client } from '../index.js';
import './helpers.js';

/** @param {number} pid @returns {number} VmHWM in KiB */
function vmHWM(pid) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
  return Number(/** @type {string} */ (line).split(/\s+/)[1]);
}

test('1M pipelined calls, 256 in flight', { timeout: 120_000 }, async (t) => {
  const total = 1_000_000;
  const window = 256;
  const c = await Client.start();
  t.after(() => c.close());
  const before = vmHWM(c.pid);
  let next = 0;
  let mismatched = 0;
  async function lane() {
    while (next < total) {
      const i = next++;
      if ((await c.signum(i)) !== i) mismatched++;
    }
  }
  await Promise.all(Array.from({ length: window }, lane));
  const after = vmHWM(c.pid);
  console.log(`helper VmHWM ${before} KiB before, ${after} KiB after ${total} calls`);
  assert.equal(mismatched, 0);
  assert.ok(after < before + 8 * 1024, `helper memory grew from ${before} to ${after} KiB`);
});
