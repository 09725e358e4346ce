// An ES module: import, and top-level await. A .mjs file is an ES module
// whatever package.json says; so is a .js file where it says
// "type": "module". Any Node 20 or later.
import { spawn } from 'node:child_process';
import { Client } from 'sigrpc';

const child = spawn('sleep', ['60']);
const client = await Client.start();
try {
  const proc = await client.process(child.pid);
  const result = await proc.stop({ timeout: 2000 });
  console.log('import:', result.exited);
} finally {
  await client.close();
}
