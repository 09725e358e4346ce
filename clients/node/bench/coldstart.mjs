// What importing sigrpc costs a program that starts, against what it costs
// to start Node at all and to spawn `kill` once (the alternative to a
// helper: execFile('kill', ['-0', pid]) from a warm process).
//
//   node bench/coldstart.mjs [--runs N] [--package DIR]
//
// Every row but the last is the median of N (default 25, at least 20)
// fresh processes, run round-robin so that a noisy machine weighs on every
// row alike. The first three give each process's wall time and the CPU
// time (user + system) it reports itself at exit, which a busy machine
// disturbs far less:
//
// - `node -e ''`: Node starting and exiting, the floor.
// - `await import('sigrpc')`: the same, importing the package by name from
//   a temporary project whose node_modules/sigrpc links to it.
// - import, Client.start(), one call, close(): what a script that sends one
//   signal pays (the helper's start included in the wall time, not in the
//   CPU time, which is Node's own; needs $SIGRPC_BIN or the built
//   ../../bin/sigrpc).
// - in-process import: performance.now() around `await import('sigrpc')`
//   alone, in each fresh process, once the ES module loader is warm (a
//   file module loaded first, as a program's own file is). Then its parts,
//   each in a process of its own: each of Node's modules it imports, first
//   and alone; each of its own modules, with what that module imports
//   loaded first, so that the row is the module's own cost (reading,
//   compiling, linking and running it). A first call needs every one but
//   src/process.js (the Process class), which index.js exports, so that it
//   cannot be loaded lazily.
// - execFile('kill', ['-0', pid]) warm: one process, after warm-up, the
//   median of N spawns of kill (the null signal, to this process itself).
//
// --package DIR measures another copy of the package (to compare a change).

import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '25' }, package: { type: 'string' } },
});
const RUNS = Math.max(20, Number(values.runs) || 25);
const PACKAGE = resolve(values.package ?? fileURLToPath(new URL('..', import.meta.url)));
const BUILT = fileURLToPath(new URL('../../../bin/sigrpc', import.meta.url));
if (!process.env.SIGRPC_BIN && existsSync(BUILT)) process.env.SIGRPC_BIN = BUILT;

/** @param {number[]} xs */
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Run node with these arguments in `cwd`; its wall time in ms, and what it printed.
 * @param {string} cwd
 * @param {string[]} args
 */
function timeNode(cwd, args) {
  const start = performance.now();
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8' });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

/** Code that prints, at exit, the CPU ms (user + system) the process has used. */
const PRINT_CPU = "process.on('exit', () => { const u = process.cpuUsage(); console.log((u.user + u.system) / 1000); });";

/** An ES module script's arguments for `node`. @param {string} code */
const esm = (code) => ['--input-type=module', '-e', code];

/**
 * In-process: the ms `await import(what)` takes once the loader is warm
 * (as a program's own file warms it) and `first` are loaded.
 * @param {string} what a specifier or a file's URL
 * @param {string[]} [first]
 */
const importTimer = (what, first = []) =>
  esm(
    // A program is a file: its own loading warms the loader for files.
    "await import('node:path'); await import('./warm.mjs');" +
      first.map((f) => `await import(${JSON.stringify(f)});`).join('') +
      `const t = performance.now(); await import(${JSON.stringify(what)}); console.log(performance.now() - t);`,
  );

/** The package's own modules: index.js and src/*.js. @returns {string[]} */
function ownModules() {
  return ['index.js', ...readdirSync(join(PACKAGE, 'src')).filter((f) => f.endsWith('.js')).map((f) => `src/${f}`)];
}

/**
 * What a module of the package imports: Node's modules by name, its own by URL.
 * @param {string} file relative to the package
 * @returns {string[]}
 */
function importsOf(file) {
  const url = pathToFileURL(join(PACKAGE, file));
  const text = readFileSync(url, 'utf8');
  return [...text.matchAll(/^(?:import|export) [^;]*? from '([^']+)';/gms)].map((m) =>
    m[1].startsWith('node:') ? m[1] : new URL(m[1], url).href,
  );
}

/** Node's modules that the package imports. @returns {string[]} */
function builtins() {
  return [...new Set(ownModules().flatMap(importsOf).filter((m) => m.startsWith('node:')))].sort();
}

/**
 * Median ms of `n` warm execFile('kill', ['-0', pid]) calls (after 5 unmeasured).
 * @param {number} n
 */
async function execFileKill(n) {
  const pid = String(process.pid);
  const once = () =>
    new Promise((ok, fail) => {
      const start = performance.now();
      execFile('kill', ['-0', pid], (err) => (err ? fail(err) : ok(performance.now() - start)));
    });
  for (let i = 0; i < 5; i++) await once();
  const times = [];
  for (let i = 0; i < n; i++) times.push(/** @type {number} */ (await once()));
  return median(times);
}

async function main() {
  const root = mkdtempSync(join(tmpdir(), 'sigrpc-coldstart-'));
  try {
    mkdirSync(join(root, 'node_modules'));
    symlinkSync(PACKAGE, join(root, 'node_modules', 'sigrpc'), 'dir');
    writeFileSync(join(root, 'warm.mjs'), 'export {};\n');
    const helper = process.env.SIGRPC_BIN;

    /** @type {{name: string, args: string[], kind: 'wall' | 'inside'}[]} */
    const rows = [
      { name: "node -e ''", args: esm(PRINT_CPU), kind: 'wall' },
      { name: "node: await import('sigrpc')", args: esm(`${PRINT_CPU} await import('sigrpc');`), kind: 'wall' },
    ];
    if (helper) {
      rows.push({
        name: 'node: import, start, 1 call, close',
        args: esm(
          `${PRINT_CPU} const { Client } = await import('sigrpc'); const c = await Client.start(); await c.signum('TERM'); await c.close();`,
        ),
        kind: 'wall',
      });
    }
    rows.push({ name: "in-process: import('sigrpc')", args: importTimer('sigrpc'), kind: 'inside' });
    for (const m of builtins()) rows.push({ name: `  of which ${m} (alone)`, args: importTimer(m), kind: 'inside' });
    for (const f of ownModules()) {
      rows.push({ name: `  of which ${f} (its own)`, args: importTimer(pathToFileURL(join(PACKAGE, f)).href, importsOf(f)), kind: 'inside' });
    }
    /** @type {number[][]} wall ms (in-process rows: the ms they printed) */
    const times = rows.map(() => []);
    /** @type {number[][]} CPU ms the wall rows printed */
    const cpus = rows.map(() => []);
    for (let run = 0; run < RUNS; run++) {
      for (const [i, row] of rows.entries()) {
        const { ms, stdout } = timeNode(root, row.args);
        times[i].push(row.kind === 'wall' ? ms : Number(stdout));
        if (row.kind === 'wall') cpus[i].push(Number(stdout.trim().split('\n').pop()));
      }
    }
    const medians = times.map(median);
    const cpu = cpus.map((c) => (c.length ? median(c) : NaN));
    const kill = await execFileKill(RUNS * 4);
    const bare = medians[0];

    const cell = (/** @type {string} */ text, /** @type {number} */ width) => text.padStart(width);
    const ms = (/** @type {number} */ x) => (Number.isNaN(x) ? '' : x.toFixed(2));
    const ratio = (/** @type {number} */ x) => (Number.isNaN(x) ? '' : `${x.toFixed(2)}x`);
    console.log(`Node ${process.version}, ${PACKAGE}; medians of ${RUNS} fresh processes each (execFile: of ${RUNS * 4} calls)`);
    console.log(
      `${'what'.padEnd(42)}${cell('wall ms', 9)}${cell('− node', 9)}${cell('/ node', 8)}${cell('/ kill', 8)}${cell('CPU ms', 9)}${cell('− node', 9)}${cell('/ node', 8)}`,
    );
    for (const [i, row] of rows.entries()) {
      const wall = row.kind === 'wall';
      const over = wall && i > 0 ? medians[i] - bare : wall ? NaN : medians[i];
      console.log(
        row.name.padEnd(42) +
          cell(ms(medians[i]), 9) +
          cell(ms(over), 9) +
          cell(wall ? ratio(medians[i] / bare) : '', 8) +
          cell(Number.isNaN(over) ? '' : ratio(over / kill), 8) +
          cell(ms(cpu[i]), 9) +
          cell(wall && i > 0 ? ms(cpu[i] - cpu[0]) : '', 9) +
          cell(wall ? ratio(cpu[i] / cpu[0]) : '', 8),
      );
    }
    console.log(`${"execFile('kill', ['-0', pid]) warm".padEnd(42)}${cell(ms(kill), 9)}${cell('', 9)}${cell('', 8)}${cell('1.00x', 8)}`);
    console.log(
      "\nwall ms: the process's wall time (in-process rows: the time measured inside); − node: over `node -e ''`'s;\n" +
        "/ node: as a multiple of node's; / kill: the time over node's (in-process: the time) as a multiple of one\n" +
        "warm execFile('kill'). CPU ms: user + system time the process reported at exit. A first call needs every\n" +
        'module but src/process.js.',
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
