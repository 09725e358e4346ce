// The declarations in types/ are written by tsc from the sources' JSDoc.
//
//   node scripts/types.mjs          type-check the sources (checkJs, strict), check that
//                                   types/ is what tsc writes now, and type-check
//                                   test/types-check.ts against it (npm run typecheck)
//   node scripts/types.mjs --write  write types/ afresh (npm run types)

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const TYPES = join(PACKAGE, 'types');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/** @param {string[]} args */
function run(args) {
  try {
    execFileSync(process.execPath, [tsc, ...args], { cwd: PACKAGE, stdio: 'inherit' });
    return true;
  } catch {
    console.error(`tsc ${args.join(' ')} failed`);
    process.exitCode = 1;
    return false;
  }
}

/** @param {string} dir @returns {Map<string, string>} relative path → content */
function files(dir) {
  const out = new Map();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath ?? entry.path, entry.name);
    out.set(relative(dir, path), readFileSync(path, 'utf8'));
  }
  return out;
}

if (process.argv.includes('--write')) {
  rmSync(TYPES, { recursive: true, force: true });
  run(['-p', '.']);
} else {
  const fresh = mkdtempSync(join(tmpdir(), 'sigrpc-types-'));
  let fine = false;
  try {
    if (run(['-p', '.', '--declarationDir', fresh])) {
      const want = files(fresh);
      const have = files(TYPES);
      const stale = [...new Set([...want.keys(), ...have.keys()])].filter((f) => want.get(f) !== have.get(f));
      if (stale.length > 0) {
        console.error(`types/ is stale (${stale.join(', ')}): run \`npm run types\` and commit it`);
        process.exitCode = 1;
      } else {
        fine = true;
      }
    }
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
  if (fine) run(['-p', 'tsconfig.test.json']);
}
