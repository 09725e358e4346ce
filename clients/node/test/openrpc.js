// The helper's description of itself (rpc.discover, an OpenRPC document) and
// the result schemas it publishes, as validators of real answers. Every
// result schema is exact: objects list the members always present in
// `required` and allow no others (`additionalProperties: false`). OpenRPC
// 1.x schemas are JSON Schema draft 7, Ajv's default.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

import Ajv from 'ajv';

import { HELPER } from './helpers.js';

/** Methods whose results are not validated, and why. */
export const UNCHECKED_RESULTS = Object.freeze({
  'rpc.discover': 'its result schema is the OpenRPC meta-schema, by a $ref to another document, which the tests do not fetch',
});

/**
 * @typedef {{name: string, required?: boolean, schema?: {default?: unknown}}} OpenRPCParam
 * @typedef {{name: string, params: OpenRPCParam[], result: {name: string, schema: any}}} OpenRPCMethod
 */

/** @type {OpenRPCMethod[] | undefined} */
let described;

/**
 * The helper's methods, as its rpc.discover describes them (asked once per
 * test file; each call returns a fresh copy, free to change).
 * @returns {OpenRPCMethod[]}
 */
export function discover() {
  if (described === undefined) {
    const r = spawnSync(HELPER, ['--framing', 'ndjson'], {
      input: '{"jsonrpc":"2.0","id":1,"method":"rpc.discover"}\n',
      timeout: 10_000,
    });
    assert.equal(r.status, 0, String(r.stderr));
    const answer = JSON.parse(String(r.stdout));
    assert.match(answer.result.openrpc, /^1\./);
    described = answer.result.methods;
  }
  return structuredClone(/** @type {OpenRPCMethod[]} */ (described));
}

/** The result schema of each method, as a validator. */
export class ResultSchemas {
  /** @param {OpenRPCMethod[]} methods */
  constructor(methods) {
    const ajv = new Ajv({ allErrors: true, allowUnionTypes: true });
    /** @type {Map<string, import('ajv').ValidateFunction>} */
    this.validators = new Map();
    for (const m of methods) {
      if (Object.hasOwn(UNCHECKED_RESULTS, m.name)) continue;
      this.validators.set(m.name, ajv.compile(m.result.schema));
    }
  }

  /**
   * How `result` breaks the result schema of `method`; empty if it fits. A
   * method the helper does not describe is a problem; one in
   * UNCHECKED_RESULTS is not checked.
   * @param {string} method
   * @param {unknown} result
   * @returns {string[]}
   */
  problems(method, result) {
    if (Object.hasOwn(UNCHECKED_RESULTS, method)) return [];
    const validate = this.validators.get(method);
    if (validate === undefined) return [`${method}: the helper describes no such method`];
    if (validate(result)) return [];
    return (validate.errors ?? []).map(
      (e) => `${method} result ${e.instancePath || '/'}: ${e.message} ${JSON.stringify(e.params)} (in ${JSON.stringify(result)})`,
    );
  }
}

/** @type {ResultSchemas | undefined} */
let schemas;

/** The validators of the helper's own document (made once per test file). */
export function resultSchemas() {
  schemas ??= new ResultSchemas(discover());
  return schemas;
}
