// The result types users get (the declarations in types/, written from the
// JSDoc typedefs of src/) held against the result schemas of the helper's
// rpc.discover, field by field, read with the TypeScript compiler API; and
// the helper's real answers held to those schemas.
//
// For each method the client wraps, the type its Client method resolves with
// must say what the method's result schema says:
//
// - an object with `properties` is an object type with one property per
//   member, named as the member unless RENAMED says otherwise; a member in
//   `required` is a required property, an optional member an optional one
//   (`name?:`); the type has no other property, and the object must allow no
//   other member (`additionalProperties: false`);
// - `integer` and `number`: number; `string`, `boolean`: string, boolean; a
//   string with an `enum`: a union of exactly those literals; `{"const": v}`:
//   the literal v; `{"type": [X, "null"]}`: X | null;
// - an array: X[] (or readonly X[]), X the item's type;
// - an object of `additionalProperties` alone: Record<string, X>.
//
// A method resolves with another shape than its wire result only where
// RESULT_MAPPINGS says so, and why. Each call's reader (src/calls.js) is run
// on answers made from the schema (every member present; only the required
// ones) and on the helper's real answers, and must give what the type says,
// member by member. A member added in Go, a changed type, a required member
// made optional (or the reverse) fails here until the client follows.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import ts from 'typescript';

import { Client } from '../index.js';
import { CALLS } from '../src/calls.js';
import { ABSENT_PID, PACKAGE, eventually, killChildren, startChild, stateOf } from './helpers.js';
import { ResultSchemas, UNCHECKED_RESULTS, discover, resultSchemas } from './openrpc.js';

/** @typedef {import('./openrpc.js').OpenRPCMethod} OpenRPCMethod */
/** @typedef {Record<string, {name: string, why: string}>} Renames */
/** @typedef {Record<string, {member: string, why: string}>} Mappings */

/**
 * Members the client names otherwise than the wire, and why: wire name →
 * the property's name. Only names change: every value keeps its wire type
 * and units (`elapsedMs` is milliseconds; `startTime` the wire's decimal string).
 * @type {Renames}
 */
const RENAMED = {
  start_time: { name: 'startTime', why: "camelCase, as every name of the API (the option that takes it back is startTime)" },
  elapsed_ms: { name: 'elapsedMs', why: 'camelCase, as every name of the API; still milliseconds, as every duration of the API' },
};

/**
 * Methods whose Client method resolves with another shape than the wire's
 * result, and why: the method resolves with this member of it, alone.
 * @type {Mappings}
 */
const RESULT_MAPPINGS = {
  wait: { member: 'exited', why: 'wait resolves with a boolean, true once the process has terminated; exited is the whole answer' },
};

/** Other methods of the API that resolve with a method's result, with the same type. */
const ALSO_RETURNING = { terminate: [['Process', 'stop']], inspect: [['Process', 'info']] };

/** @param {any} value */
const json = (value) => JSON.stringify(value);

// -- the declarations, read with the TypeScript compiler --------------------

/** @type {{checker: ts.TypeChecker, classes: Map<string, ts.Type>} | undefined} */
let declarations;

/** The compiled types/index.d.ts: its type checker and its exported classes' instance types. */
function declared() {
  if (declarations !== undefined) return declarations;
  const index = join(PACKAGE, 'types', 'index.d.ts');
  const program = ts.createProgram([index], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts', 'lib.esnext.disposable.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
    typeRoots: [join(PACKAGE, 'node_modules', '@types')],
    strict: true,
    exactOptionalPropertyTypes: true,
    noEmit: true,
    skipLibCheck: true,
  });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  assert.equal(ts.formatDiagnostics(diagnostics, ts.createCompilerHost({})), '', 'types/ compiles');
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(/** @type {ts.SourceFile} */ (program.getSourceFile(index)));
  assert.ok(module);
  const classes = new Map();
  for (let symbol of checker.getExportsOfModule(module)) {
    if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    if (symbol.flags & ts.SymbolFlags.Class) classes.set(symbol.name, checker.getDeclaredTypeOfSymbol(symbol));
  }
  declarations = { checker, classes };
  return declarations;
}

/**
 * What `Class#method` resolves with, as declared.
 * @param {string} className
 * @param {string} method
 * @returns {ts.Type}
 */
function resolvesWith(className, method) {
  const { checker, classes } = declared();
  const instance = classes.get(className);
  assert.ok(instance, `types/ exports no class ${className}`);
  const property = checker.getPropertyOfType(instance, method);
  assert.ok(property, `${className} has no method ${method}`);
  const [signature, ...more] = checker.getTypeOfSymbol(property).getCallSignatures();
  assert.ok(signature && more.length === 0, `${className}#${method}: one signature`);
  const promise = checker.getReturnTypeOfSignature(signature);
  assert.equal(promise.getSymbol()?.name, 'Promise', `${className}#${method} returns a Promise`);
  return /** @type {ts.Type} */ (checker.getAwaitedType(promise));
}

/** @param {ts.Type} type */
const typeName = (type) => declared().checker.typeToString(type);

/**
 * The members of a union (the type alone if it is none), with `true | false`
 * (as TypeScript writes boolean) as the one arm 'boolean'.
 * @param {ts.Type} type
 * @returns {{nullable: boolean, undefinable: boolean, arms: (ts.Type | 'boolean')[]}}
 */
function arms(type) {
  const all = type.isUnion() ? type.types : [type];
  const nullable = all.some((t) => t.flags & ts.TypeFlags.Null);
  const undefinable = all.some((t) => t.flags & ts.TypeFlags.Undefined);
  /** @type {(ts.Type | 'boolean')[]} */
  let rest = all.filter((t) => !(t.flags & (ts.TypeFlags.Null | ts.TypeFlags.Undefined)));
  const booleans = rest.filter((t) => typeof t !== 'string' && t.flags & ts.TypeFlags.BooleanLiteral);
  if (booleans.length === 2) rest = [...rest.filter((t) => !booleans.includes(t)), 'boolean'];
  return { nullable, undefinable, arms: rest };
}

/** @param {(ts.Type | 'boolean')[]} types */
const names = (types) => types.map((t) => (t === 'boolean' ? 'boolean' : typeName(t))).join(' | ');

/** Compares declared types with JSON schemas; records the renames it used. */
class TypeCheck {
  /** @param {Renames} renamed */
  constructor(renamed) {
    this.renamed = renamed;
    /** @type {Set<string>} */
    this.used = new Set();
  }

  /**
   * How `type` fails to say what `schema` says; empty if it says the same.
   * @param {any} schema
   * @param {ts.Type} type
   * @param {string} where
   * @param {boolean} [optional] an optional property's type: the undefined that reading it may give is no problem
   * @returns {string[]}
   */
  typeProblems(schema, type, where, optional = false) {
    const { checker } = declared();
    if ('const' in schema) {
      return typeName(type) === json(schema.const) ? [] : [`${where}: the helper's result is always ${json(schema.const)}, the client says ${typeName(type)}`];
    }
    let kinds = typeof schema.type === 'string' ? [schema.type] : [...(schema.type ?? [])];
    if (kinds.length === 0) return [`${where}: the client cannot compare a schema without a type: ${json(schema)}`];
    const found = arms(type);
    if (found.undefinable && !optional) return [`${where}: the client's type ${typeName(type)} admits undefined, which JSON has not`];
    if (kinds.includes('null') !== found.nullable) {
      return [`${where}: the helper's value ${kinds.includes('null') ? 'may be null' : 'is never null'}, the client says ${typeName(type)}`];
    }
    kinds = kinds.filter((k) => k !== 'null');
    if (schema.enum !== undefined) {
      const literals = found.arms.every((t) => t !== 'boolean' && t.isStringLiteral());
      const values = found.arms.map((t) => /** @type {ts.StringLiteralType} */ (t).value);
      if (kinds.length === 1 && kinds[0] === 'string' && literals && json([...values].sort()) === json([...schema.enum].sort())) return [];
      return [`${where}: the helper says one of ${json(schema.enum)}, the client ${names(found.arms)}`];
    }
    if (kinds.length !== 1 || found.arms.length !== 1) return [`${where}: the helper says ${kinds.join(' or ')}, the client ${names(found.arms)}`];
    const [kind] = kinds;
    const [arm] = found.arms;
    const mismatch = [`${where}: the helper says ${kind}, the client ${names(found.arms)}`];
    if (kind === 'boolean') return arm === 'boolean' ? [] : mismatch;
    if (arm === 'boolean') return mismatch;
    if (kind === 'integer' || kind === 'number') return arm.flags === ts.TypeFlags.Number ? [] : mismatch;
    if (kind === 'string') return arm.flags === ts.TypeFlags.String ? [] : mismatch;
    if (kind === 'array') {
      if (!checker.isArrayType(arm)) return [`${where}: the helper says an array, the client ${typeName(arm)}`];
      return this.typeProblems(schema.items ?? {}, checker.getTypeArguments(/** @type {ts.TypeReference} */ (arm))[0], `${where}[]`);
    }
    if (kind === 'object') {
      const isObject = (arm.flags & ts.TypeFlags.Object) !== 0 && !checker.isArrayType(arm) && arm.getCallSignatures().length === 0;
      if (schema.properties !== undefined) {
        if (!isObject || checker.getIndexInfosOfType(arm).length > 0) return [`${where}: the helper says an object with members, the client ${typeName(arm)}`];
        return this.objectProblems(schema, arm, where);
      }
      if (typeof schema.additionalProperties === 'object') {
        const [index, ...others] = checker.getIndexInfosOfType(arm);
        if (!isObject || !index || others.length > 0 || index.keyType.flags !== ts.TypeFlags.String || arm.getProperties().length > 0) {
          return [`${where}: the helper says a map of names, the client ${typeName(arm)}`];
        }
        return this.typeProblems(schema.additionalProperties, index.type, `${where}{}`);
      }
    }
    return [`${where}: the client cannot compare a schema of type ${kind}: ${json(schema)}`];
  }

  /**
   * An object schema against an object type, member by property.
   * @param {any} schema
   * @param {ts.Type} type
   * @param {string} where
   * @returns {string[]}
   */
  objectProblems(schema, type, where) {
    const { checker } = declared();
    const name = typeName(type);
    /** @type {string[]} */
    const problems = [];
    if (schema.additionalProperties !== false) {
      problems.push(`${where}: the helper's object may carry members it does not list, which ${name} cannot hold`);
    }
    const required = new Set(schema.required ?? []);
    /** @type {Set<string>} */
    const mapped = new Set();
    for (const [wire, member] of Object.entries(schema.properties)) {
      const entry = Object.hasOwn(this.renamed, wire) ? this.renamed[wire] : undefined;
      if (entry) this.used.add(wire);
      const property = entry?.name ?? wire;
      const here = `${where}.${wire}`;
      const symbol = checker.getPropertyOfType(type, property);
      if (symbol === undefined) {
        problems.push(`${here}: ${name} has no property for it${entry ? ` (RENAMED makes it ${property})` : ''}`);
        continue;
      }
      mapped.add(property);
      const optional = (symbol.flags & ts.SymbolFlags.Optional) !== 0;
      if (required.has(wire) && optional) problems.push(`${here}: always present, but ${name}.${property} is optional`);
      if (!required.has(wire) && !optional) problems.push(`${here}: optional, but ${name}.${property} is required`);
      problems.push(...this.typeProblems(member, checker.getTypeOfSymbol(symbol), here, optional));
    }
    for (const p of checker.getPropertiesOfType(type)) {
      if (!mapped.has(p.name)) problems.push(`${where}: ${name}.${p.name} is no member of the helper's result`);
    }
    return problems;
  }
}

/**
 * Every way the client's result types differ from the helper's result schemas.
 * @param {OpenRPCMethod[]} methods
 * @param {{renamed?: Renames, mappings?: Mappings}} [tables]
 * @returns {string[]}
 */
function resultProblems(methods, { renamed = RENAMED, mappings = RESULT_MAPPINGS } = {}) {
  const check = new TypeCheck(renamed);
  /** @type {string[]} */
  const problems = [];
  const wrapped = methods.filter((m) => Object.hasOwn(CALLS, m.name));
  for (const m of wrapped) {
    const schema = m.result.schema;
    const type = resolvesWith('Client', m.name);
    const mapping = Object.hasOwn(mappings, m.name) ? mappings[m.name] : undefined;
    if (mapping) {
      const { member } = mapping;
      const props = Object.keys(schema.properties ?? {});
      if (schema.type !== 'object' || json(schema.required) !== json([member]) || json(props) !== json([member]) || schema.additionalProperties !== false) {
        problems.push(`${m.name}: RESULT_MAPPINGS resolves with the member ${member} alone, which would drop the rest of ${json(schema)}`);
      } else {
        problems.push(...check.typeProblems(schema.properties[member], type, `${m.name}.${member}`));
      }
    } else {
      problems.push(...check.typeProblems(schema, type, m.name));
    }
    for (const [className, method] of /** @type {Record<string, string[][]>} */ (ALSO_RETURNING)[m.name] ?? []) {
      const other = resolvesWith(className, method);
      if (other !== type) problems.push(`${m.name}: ${className}#${method} resolves with ${typeName(other)}, not ${typeName(type)}`);
    }
  }
  for (const name of Object.keys(mappings)) {
    if (!wrapped.some((m) => m.name === name)) problems.push(`${name} is in RESULT_MAPPINGS but is no wrapped method of the helper`);
  }
  for (const wire of Object.keys(renamed)) {
    if (!check.used.has(wire)) problems.push(`RENAMED names ${wire}, which no result has`);
  }
  return problems;
}

// -- what the readers give --------------------------------------------------

/**
 * An answer fitting `schema`: with `full`, every optional member present and
 * no null; without, only the required members and null where allowed.
 * Values differ from each other, so that a reader mixing two members up shows.
 * @param {any} schema
 * @param {boolean} full
 * @param {{n: number}} count
 * @returns {any}
 */
function sample(schema, full, count) {
  const n = ++count.n;
  if ('const' in schema) return schema.const;
  if (schema.enum !== undefined) return schema.enum[full ? schema.enum.length - 1 : 0];
  const kinds = typeof schema.type === 'string' ? [schema.type] : schema.type;
  if (kinds.includes('null') && !full) return null;
  const kind = kinds.find((/** @type {string} */ k) => k !== 'null');
  if (kind === 'integer') return n;
  if (kind === 'number') return n + 0.5;
  if (kind === 'string') return `s${n}`;
  if (kind === 'boolean') return n % 2 === 0;
  if (kind === 'array') return Array.from({ length: full ? 2 : 1 }, () => sample(schema.items, full, count));
  if (schema.properties !== undefined) {
    const required = schema.required ?? [];
    return Object.fromEntries(
      Object.entries(schema.properties)
        .filter(([wire]) => full || required.includes(wire))
        .map(([wire, member]) => [wire, sample(member, full, count)]),
    );
  }
  return Object.fromEntries(Array.from({ length: full ? 2 : 0 }, (_, i) => [`K${i}`, sample(schema.additionalProperties, full, count)]));
}

/**
 * What a reader should make of `value`, a wire answer fitting `schema`: the
 * same, with every member renamed as RENAMED says.
 * @param {any} schema
 * @param {any} value
 * @returns {any}
 */
function expected(schema, value) {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => expected(schema.items, v));
  if (schema.properties === undefined) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expected(schema.additionalProperties, v)]));
  return Object.fromEntries(
    Object.entries(value).map(([wire, v]) => [Object.hasOwn(RENAMED, wire) ? RENAMED[wire].name : wire, expected(schema.properties[wire], v)]),
  );
}

/**
 * How the client's reading of method `name`'s answer `value` differs from
 * what its type says; empty if it does not.
 * @param {string} name
 * @param {any} schema
 * @param {any} value
 * @returns {string[]}
 */
function readingProblems(name, schema, value) {
  const call = /** @type {Record<string, import('../src/calls.js').Call>} */ (CALLS)[name];
  const got = call.read === undefined ? value : call.read(structuredClone(value));
  const mapping = Object.hasOwn(RESULT_MAPPINGS, name) ? RESULT_MAPPINGS[name] : undefined;
  const want = mapping ? expected(schema.properties[mapping.member], value[mapping.member]) : expected(schema, value);
  try {
    assert.deepStrictEqual(got, want);
    return [];
  } catch {
    return [`${name}: the client makes ${json(got)} of ${json(value)}, not ${json(want)}`];
  }
}

// -- the tests --------------------------------------------------------------

const METHODS = discover();
const WRAPPED = METHODS.filter((m) => Object.hasOwn(CALLS, m.name));

/**
 * The object schema at `path` in `method`'s result ('[]' steps into an array;
 * an array at the end counts as its items).
 * @param {OpenRPCMethod[]} methods
 * @param {string} method
 * @param {...string} path
 * @returns {any}
 */
function at(methods, method, ...path) {
  let schema = /** @type {OpenRPCMethod} */ (methods.find((m) => m.name === method)).result.schema;
  for (const step of path) schema = step === '[]' ? schema.items : schema.properties[step];
  return schema;
}
/** @param {OpenRPCMethod[]} methods @param {string} method @param {...string} path */
const object = (methods, method, ...path) => {
  const schema = at(methods, method, ...path);
  return schema.items ?? schema;
};

/** @type {[string, (methods: OpenRPCMethod[]) => void, string][]} */
const DRIFT = [
  ['a new member', (d) => (object(d, 'terminate').properties.signal = { type: 'string' }), 'terminate.signal: Termination has no property for it'],
  ['a new member of an array\'s items', (d) => (object(d, 'terminate', 'members').properties.comm = { type: 'string' }), 'terminate.members[].comm: Member has no property for it'],
  ['a new member of a list\'s items', (d) => (object(d, 'children').properties.uid = { type: 'integer' }), 'children[].uid: ChildInfo has no property for it'],
  ['a new snake_case member', (d) => (object(d, 'inspect').properties.exit_code = { type: 'integer' }), 'inspect.exit_code: ProcessInfo has no property for it'],
  [
    'a member gone',
    (d) => {
      delete object(d, 'inspect').properties.uid;
      object(d, 'inspect').required = object(d, 'inspect').required.filter((/** @type {string} */ r) => r !== 'uid');
    },
    "inspect: ProcessInfo.uid is no member of the helper's result",
  ],
  ['a changed type', (d) => (at(d, 'inspect', 'pid').type = 'string'), 'inspect.pid: the helper says string, the client number'],
  ['a changed item type', (d) => (at(d, 'children', '[]', 'start_time').type = 'integer'), 'children[].start_time: the helper says integer, the client string'],
  ['an optional member made required', (d) => object(d, 'terminate', 'members').required.push('refused'), 'terminate.members[].refused: always present, but Member.refused is optional'],
  ['another one', (d) => object(d, 'terminate').required.push('refused'), 'terminate.refused: always present, but Termination.refused is optional'],
  [
    'a required member made optional',
    (d) => (object(d, 'terminate').required = object(d, 'terminate').required.filter((/** @type {string} */ r) => r !== 'elapsed_ms')),
    'terminate.elapsed_ms: optional, but Termination.elapsedMs is required',
  ],
  ['an enum grown', (d) => at(d, 'terminate', 'method').enum.push('cgroup'), 'terminate.method: the helper says one of ["listing","fork-events","cgroup"]'],
  ['an enum dropped', (d) => delete at(d, 'terminate', 'method').enum, 'terminate.method: the helper says string, the client "listing" | "fork-events"'],
  ['a nullable scalar no longer null', (d) => (at(d, 'signum').type = 'integer'), 'signum: the helper\'s value is never null, the client says number | null'],
  ['a scalar made nullable', (d) => (at(d, 'inspect', 'comm').type = ['string', 'null']), "inspect.comm: the helper's value may be null"],
  ['an array no longer', (d) => ((/** @type {OpenRPCMethod} */ (d.find((m) => m.name === 'children'))).result.schema = object(d, 'children')), 'children: the helper says an object with members, the client ChildInfo[]'],
  ['a map of other values', (d) => (at(d, 'signals').additionalProperties.type = 'string'), 'signals{}: the helper says string, the client number'],
  ['an open object', (d) => delete object(d, 'inspect').additionalProperties, 'inspect: the helper\'s object may carry members it does not list'],
  ['an unwrapped result grown', (d) => (object(d, 'wait').properties.status = { type: 'integer' }), 'wait: RESULT_MAPPINGS resolves with the member exited alone'],
  ['an unwrapped member retyped', (d) => (at(d, 'wait', 'exited').type = 'string'), 'wait.exited: the helper says string, the client boolean'],
  ['a constant changed', (d) => ((/** @type {OpenRPCMethod} */ (d.find((m) => m.name === 'kill'))).result.schema = { type: 'boolean' }), 'kill: the helper says boolean, the client true'],
];

describe('result types against rpc.discover', { timeout: 30_000 }, () => {
  test('every result type is the helper\'s, field by field', () => {
    assert.ok(WRAPPED.length >= 8, `${WRAPPED.length} wrapped methods`);
    const found = resultProblems(METHODS);
    assert.deepEqual(found, [], found.join('\n'));
  });

  test('each reader reads every member', () => {
    const schemas = new ResultSchemas(METHODS);
    /** @type {string[]} */
    const problems = [];
    for (const m of WRAPPED) {
      for (const full of [true, false]) {
        const answer = sample(m.result.schema, full, { n: 0 });
        assert.deepEqual(schemas.problems(m.name, answer), [], 'the sample itself is wrong');
        problems.push(...readingProblems(m.name, m.result.schema, answer));
      }
    }
    assert.deepEqual(problems, [], problems.join('\n'));
  });

  for (const [name, change, problem] of DRIFT) {
    test(`the check finds drift: ${name}`, () => {
      const drifted = structuredClone(METHODS);
      change(drifted);
      const found = resultProblems(drifted);
      assert.ok(found.some((p) => p.includes(problem)), `wanted ${problem}; found:\n${found.join('\n')}`);
    });
  }

  test('renames and result mappings are checked', () => {
    // A member renamed in Go passes only with a RENAMED entry, which is then used.
    const drifted = structuredClone(METHODS);
    const t = object(drifted, 'terminate');
    t.properties.elapsed_us = t.properties.elapsed_ms;
    delete t.properties.elapsed_ms;
    t.required = t.required.map((/** @type {string} */ r) => (r === 'elapsed_ms' ? 'elapsed_us' : r));
    const found = resultProblems(drifted);
    assert.ok(found.includes('terminate.elapsed_us: Termination has no property for it'), found.join('\n'));
    assert.ok(found.includes('RENAMED names elapsed_ms, which no result has'), found.join('\n'));
    const { elapsed_ms: _, ...others } = RENAMED;
    assert.deepEqual(resultProblems(drifted, { renamed: { ...others, elapsed_us: { name: 'elapsedMs', why: 'as before' } } }), []);
    // Without its entry, a camelCase property is not the wire's member.
    const { start_time: __, ...noStartTime } = RENAMED;
    assert.ok(resultProblems(METHODS, { renamed: noStartTime }).includes('inspect.start_time: ProcessInfo has no property for it'));
    assert.deepEqual(resultProblems(METHODS, { mappings: { ...RESULT_MAPPINGS, reap: { member: 'pid', why: 'gone' } } }), [
      'reap is in RESULT_MAPPINGS but is no wrapped method of the helper',
    ]);
    // Without its mapping, wait's boolean is not the helper's object.
    assert.ok(resultProblems(METHODS, { mappings: {} }).includes('wait: the helper says object, the client boolean'));
  });

  test('the reader check finds a dropped or mixed-up member', () => {
    const terminate = at(METHODS, 'terminate');
    const answer = sample(terminate, true, { n: 0 });
    assert.deepEqual(readingProblems('terminate', terminate, answer), []);
    const calls = /** @type {Record<string, import('../src/calls.js').Call>} */ (CALLS);
    const read = calls.terminate.read;
    try {
      calls.terminate.read = (r) => ({ ...read?.(r), refused: undefined });
      assert.equal(readingProblems('terminate', terminate, answer).length, 1);
      calls.terminate.read = (r) => ({ ...read?.(r), exited: r.escalated, escalated: r.exited });
      assert.equal(readingProblems('terminate', terminate, answer).length, 1);
    } finally {
      calls.terminate.read = read;
    }
  });

  test('answers that break the schemas are found', () => {
    const schemas = resultSchemas();
    assert.deepEqual([schemas.problems('kill', true), schemas.problems('wait', { exited: true })], [[], []]);
    for (const [method, answer] of /** @type {[string, unknown][]} */ ([
      ['kill', false],
      ['wait', { exited: true, status: 0 }],
      ['wait', {}],
      ['signum', '15'],
      ['signum', 1.5],
      ['signame', 15],
      ['signals', { TERM: '15' }],
      ['children', [{ pid: 1 }]],
      ['inspect', null],
      ['terminate', { exited: true, escalated: false, elapsed_ms: 1, method: 'cgroup' }],
    ])) {
      assert.notDeepEqual(schemas.problems(method, answer), [], `${method} ${json(answer)}`);
    }
    assert.deepEqual(schemas.problems('rpc.discover', 1), [], 'UNCHECKED_RESULTS');
    assert.deepEqual(schemas.problems('reap', 1), ['reap: the helper describes no such method']);
    // A member added to a copy of the document: the helper's answers lack it.
    const drifted = structuredClone(METHODS);
    object(drifted, 'wait').properties.status = { type: 'integer' };
    object(drifted, 'wait').required.push('status');
    assert.notDeepEqual(new ResultSchemas(drifted).problems('wait', { exited: true }), []);
  });
});

describe('real answers', { timeout: 30_000 }, () => {
  after(killChildren);

  test('one real answer (or more) of every wrapped method fits its schema and reads member by member', async (t) => {
    if (stateOf(process.pid) === null) return t.skip('inspect, children and terminate(tree) need Linux');
    const child = await startChild();
    const stopped = await startChild();
    const root = await startChild(['sh', '-c', 'sleep 30 & sleep 30 & wait']);
    assert.ok(await eventually(() => (stateOf(root.pid)?.children.length ?? 0) === 2, 5000), 'the two sleeps');
    const kids = /** @type {{children: number[]}} */ (stateOf(root.pid)).children;
    const c = await Client.start();
    /** @type {[string, any][]} */
    const answers = [];
    try {
      /** @param {string} method @param {Record<string, unknown>} [params] */
      const ask = async (method, params = {}) => answers.push([method, await c.call(method, params)]);
      await ask('signum', { name: 'TERM' });
      await ask('signum', { name: 'NO-SUCH' });
      await ask('signame', { number: 15 });
      await ask('signame', { number: 999 });
      await ask('signals');
      await ask('kill', { pid: child.pid, signal: 0 });
      await ask('inspect', { pid: child.pid });
      await ask('wait', { pid: child.pid, timeout_ms: 0 });
      await ask('wait', { pid: ABSENT_PID });
      await ask('children', { pid: root.pid });
      await ask('children', { pid: root.pid, recursive: true });
      await ask('terminate', { pid: stopped.pid });
      await ask('terminate', { pid: root.pid, tree: true });
    } finally {
      await c.close();
    }
    const schemas = resultSchemas();
    const problems = answers.flatMap(([method, answer]) => [
      ...schemas.problems(method, answer),
      ...readingProblems(method, at(METHODS, method), answer),
    ]);
    assert.deepEqual(problems, [], problems.join('\n'));
    const asked = new Set(answers.map(([m]) => m));
    for (const m of WRAPPED) if (!Object.hasOwn(UNCHECKED_RESULTS, m.name)) assert.ok(asked.has(m.name), `no real answer of ${m.name}`);
    const tree = answers.find(([m, a]) => m === 'terminate' && a.members !== undefined)?.[1];
    assert.equal(tree.exited, true);
    assert.deepEqual(tree.members.map((/** @type {any} */ m) => m.pid).sort(), [root.pid, ...kids].sort());
  });
});
