// The TypeScript versions users have, as the tests run them: each major is
// a devDependency under its own alias (typescript5, typescript7), run by
// its tsc command (TypeScript 7 is a native program with no compiler API).
// Shared by examples.test.js and readme.test.js.

import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

import { PACKAGE } from './helpers.js';

/** examples/ts: the TypeScript example project, with its tsconfig.json. */
export const TS_EXAMPLE = join(PACKAGE, 'examples', 'ts');

/** @typedef {{name: string, major: number, tsc: string}} TypeScript */

/** @type {TypeScript[]} */
export const TYPESCRIPTS = [5, 7].map((major) => ({
  name: `TypeScript ${major}`,
  major,
  tsc: join(PACKAGE, 'node_modules', `typescript${major}`, 'bin', 'tsc'),
}));

/**
 * Run a TypeScript's tsc in `cwd`.
 * @param {TypeScript} ts
 * @param {string} cwd
 * @param {string[]} args
 * @returns {Promise<{code: number, output: string}>} its exit status, and stdout and stderr together
 */
export function tsc(ts, cwd, args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [ts.tsc, ...args], { cwd, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, output: stdout + stderr });
    });
  });
}

/**
 * Make `dir` a project as a user has it: `node_modules/sigrpc` is this
 * package (a link, as `npm install` of a local path makes it), and, with
 * `nodeTypes`, `node_modules/@types/node` is ours.
 * @param {string} dir
 * @param {{nodeTypes?: boolean, from?: string}} [opts] `from`: a directory whose files to copy in first
 */
export function project(dir, { nodeTypes = false, from } = {}) {
  if (from !== undefined) cpSync(from, dir, { recursive: true });
  mkdirSync(join(dir, 'node_modules', '@types'), { recursive: true });
  symlinkSync(PACKAGE, join(dir, 'node_modules', 'sigrpc'), 'dir');
  if (nodeTypes) symlinkSync(join(PACKAGE, 'node_modules', '@types', 'node'), join(dir, 'node_modules', '@types', 'node'), 'dir');
}
