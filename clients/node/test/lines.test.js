// The ndjson line splitter, fed response streams cut at every offset.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { LineSplitter } from '../src/lines.js';

const LINES = [
  '{"jsonrpc":"2.0","id":1,"result":15}',
  '{"jsonrpc":"2.0","id":2,"error":{"code":-32000,"message":"No such process","data":{"errno":"ESRCH","errnum":3}}}',
  '{"jsonrpc":"2.0","id":3,"result":{"comm":"caf\u00e9 \u2603 \ud83d\ude00","state":"S"}}',
  '{"jsonrpc":"2.0","id":4,"result":null}',
];
const STREAM = Buffer.from(LINES.map((l) => l + '\n').join(''), 'utf8');

/** Feed the chunks; return the lines seen. @param {Buffer[]} chunks */
function split(chunks) {
  /** @type {string[]} */
  const seen = [];
  const s = new LineSplitter((line) => seen.push(line));
  for (const c of chunks) s.push(c);
  assert.equal(s.rest, '', 'nothing left over');
  return seen;
}

describe('LineSplitter', { timeout: 30_000 }, () => {
  test('one chunk', () => {
    assert.deepEqual(split([STREAM]), LINES);
  });

  test('split in two at every byte offset', () => {
    for (let i = 0; i <= STREAM.length; i++) {
      assert.deepEqual(split([STREAM.subarray(0, i), STREAM.subarray(i)]), LINES, `cut at ${i}`);
    }
  });

  test('split in three at every pair of offsets', () => {
    for (let i = 0; i <= STREAM.length; i++) {
      for (let j = i; j <= STREAM.length; j++) {
        const got = split([STREAM.subarray(0, i), STREAM.subarray(i, j), STREAM.subarray(j)]);
        assert.deepEqual(got, LINES, `cuts at ${i}, ${j}`);
      }
    }
  });

  test('one byte at a time', () => {
    const chunks = [];
    for (let i = 0; i < STREAM.length; i++) chunks.push(STREAM.subarray(i, i + 1));
    assert.deepEqual(split(chunks), LINES);
  });

  test('many lines coalesced into one chunk, cut at every offset', () => {
    const many = Array.from({ length: 300 }, (_, i) => `{"jsonrpc":"2.0","id":${i},"result":${i}}`);
    const stream = Buffer.from(many.map((l) => l + '\n').join(''));
    for (let i = 0; i <= stream.length; i += 7) {
      assert.deepEqual(split([stream.subarray(0, i), stream.subarray(i)]), many, `cut at ${i}`);
    }
  });

  test('a trailing \\r is stripped and blank lines are skipped', () => {
    const stream = Buffer.from('\n\r\n{"a":1}\r\n\n{"b":2}\n\r\n');
    for (let i = 0; i <= stream.length; i++) {
      assert.deepEqual(split([stream.subarray(0, i), stream.subarray(i)]), ['{"a":1}', '{"b":2}'], `cut at ${i}`);
    }
  });

  test('an unfinished last line is kept until its newline', () => {
    /** @type {string[]} */
    const seen = [];
    const s = new LineSplitter((line) => seen.push(line));
    s.push(Buffer.from('{"id":1}\n{"id"'));
    assert.deepEqual(seen, ['{"id":1}']);
    assert.equal(s.rest, '{"id"');
    s.push(Buffer.from(':2'));
    s.push(Buffer.from('}'));
    assert.deepEqual(seen, ['{"id":1}']);
    s.push(Buffer.from('\n'));
    assert.deepEqual(seen, ['{"id":1}', '{"id":2}']);
    assert.equal(s.rest, '');
  });
});
