// npm tree-kill for bench/trees/trees.py: node treekill.mjs PATH_TO_TREE_KILL
// reads one pid a line, runs treeKill(pid, 'SIGTERM') and answers "ok" (or
// "error MESSAGE") once tree-kill's callback has run, so that node's start-up
// is not part of the time measured.
import { createRequire } from 'node:module';
import readline from 'node:readline';

const treeKill = createRequire(import.meta.url)(process.argv[2]);
const lines = readline.createInterface({ input: process.stdin });
lines.on('line', (line) => {
  treeKill(Number(line), 'SIGTERM', (err) => {
    process.stdout.write(err ? `error ${String(err.message).replace(/\n/g, ' ')}\n` : 'ok\n');
  });
});
