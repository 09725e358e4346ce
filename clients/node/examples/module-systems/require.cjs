// CommonJS: require('sigrpc'), on Node 20.19+ and 22.12+ (where require()
// loads ES modules). A .cjs file is CommonJS whatever package.json says; so
// is a .js file where it says "type": "commonjs", as `npm init -y` writes.
// CommonJS has no top-level await: the calls go in an async function.
const { spawn } = require('node:child_process');
const { Client } = require('sigrpc');

async function main() {
  const child = spawn('sleep', ['60']);
  const client = await Client.start();
  try {
    const proc = await client.process(child.pid);
    const result = await proc.stop({ timeout: 2000 });
    console.log('require:', result.exited);
  } finally {
    await client.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
