/**
 * Find the helper to run: the `command` option, else `$SIGRPC_BIN`, else
 * the helper bundled in the platform package (`@sigrpc/<platform>-<arch>`),
 * else `sigrpc` on `PATH`.
 *
 * @param {string} [command] explicit path, or a name looked up on `PATH`; when given, nothing else is tried
 * @returns {string} the executable's path
 * @throws {Error & {code: 'ENOENT', tried: string[]}} naming everything tried and how to install the helper
 */
export function findHelper(command?: string): string;
/**
 * The npm package that carries the helper built for this platform, e.g.
 * `@sigrpc/linux-x64`; `npm install sigrpc` installs it (an optional
 * dependency). The helper is `bin/sigrpc` inside it.
 */
export const PLATFORM_PACKAGE: string;
