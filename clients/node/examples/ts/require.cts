// CommonJS from TypeScript: a .cts file (or a .ts file where package.json
// says "type": "commonjs"). TypeScript 5.8 and later compile this import
// to require('sigrpc'), which Node 20.19+ and 22.12+ can load.
import { spawn } from 'node:child_process';
import { Client } from 'sigrpc';

async function main(): Promise<void> {
  const child = spawn('sleep', ['60']);
  await using client = await Client.start(); // no top-level await in CommonJS
  const proc = await client.process(child.pid!);
  console.log((await proc.stop({ timeout: 1000 })).exited); // true
}

void main();
