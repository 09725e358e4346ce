// Finding the sigrpc helper to run.

import { accessSync, statSync, constants as fsConstants } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';

/**
 * The npm package that carries the helper built for this platform, e.g.
 * `@sigrpc/linux-x64`; `npm install sigrpc` installs it (an optional
 * dependency). The helper is `bin/sigrpc` inside it.
 */
export const PLATFORM_PACKAGE = `@sigrpc/${process.platform}-${process.arch}`;

/**
 * Find the helper to run: the `command` option, else `$SIGRPC_BIN`, else
 * the helper bundled in the platform package (`@sigrpc/<platform>-<arch>`),
 * else `sigrpc` on `PATH`.
 *
 * @param {string} [command] explicit path, or a name looked up on `PATH`; when given, nothing else is tried
 * @returns {string} the executable's path
 * @throws {Error & {code: 'ENOENT', tried: string[]}} naming everything tried and how to install the helper
 */
export function findHelper(command) {
  /** @type {string[]} */
  const tried = [];
  if (command !== undefined && command !== null) {
    if (typeof command !== 'string') {
      const err = /** @type {TypeError & {code: string}} */ (
        new TypeError(`The "command" option must be of type string. Received ${typeof command}`)
      );
      err.code = 'ERR_INVALID_ARG_TYPE';
      throw err;
    }
    const found = command.includes('/') ? (isExecutable(command) ? command : null) : which(command);
    if (found) return found;
    tried.push(`the command option ${JSON.stringify(command)} (${command.includes('/') ? 'not an executable' : 'not found on PATH'})`);
  } else {
    const env = process.env.SIGRPC_BIN;
    if (env) {
      if (isExecutable(env)) return env;
      tried.push(`$SIGRPC_BIN=${JSON.stringify(env)} (not an executable)`);
    } else {
      tried.push('$SIGRPC_BIN (not set)');
    }
    const bundled = bundledHelper();
    if (bundled.path !== undefined) return bundled.path;
    tried.push(bundled.tried);
    const found = which('sigrpc');
    if (found) return found;
    tried.push("'sigrpc' on PATH (not found)");
  }
  const err = /** @type {Error & {code: 'ENOENT', errno: number, syscall: string, tried: string[]}} */ (
    new Error(
      `sigrpc helper not found; tried ${tried.join(', ')}. ` +
        `Install it with \`npm install sigrpc\` once sigrpc is released on npm (it installs ${PLATFORM_PACKAGE}, ` +
        'the helper for this platform); until then, in a clone of the sigrpc repository, `make dist` builds the packages ' +
        `and \`npm install dist/npm/sigrpc-[0-9]*.tgz dist/npm/sigrpc-${process.platform}-${process.arch}-*.tgz\` ` +
        'installs them; or build the helper alone with `go build ./cmd/sigrpc` and set SIGRPC_BIN to its path ' +
        '(or pass { command })',
    )
  );
  err.code = 'ENOENT';
  err.errno = -2;
  err.syscall = 'spawn';
  err.tried = tried;
  throw err;
}

/**
 * The helper in the platform package, resolved from this package's own
 * location as `import` would find it.
 * @returns {{path: string, tried?: undefined} | {path?: undefined, tried: string}}
 */
function bundledHelper() {
  let pkg;
  try {
    pkg = createRequire(import.meta.url).resolve(`${PLATFORM_PACKAGE}/package.json`);
  } catch (err) {
    const code = /** @type {{code?: unknown}} */ (err).code;
    const why = code === 'MODULE_NOT_FOUND' ? 'not installed' : `cannot resolve its package.json: ${code}`;
    return { tried: `the bundled helper in ${PLATFORM_PACKAGE} (${why})` };
  }
  const path = join(dirname(pkg), 'bin', 'sigrpc');
  if (isExecutable(path)) return { path };
  return { tried: `the bundled helper ${JSON.stringify(path)} (not an executable)` };
}

/** @param {string} path */
function isExecutable(path) {
  try {
    accessSync(path, fsConstants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** @param {string} name */
function which(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const path = join(dir || '.', name);
    if (isExecutable(path)) return path;
  }
  return null;
}
