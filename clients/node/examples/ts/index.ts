import { spawn } from 'node:child_process';
import { Client, type Termination } from 'sigrpc';

const child = spawn('sleep', ['60']);
await using client = await Client.start(); // closed at the end of the scope
const proc = await client.process(child.pid!);
const result: Termination = await proc.stop({ timeout: 1000 });
console.log(result.exited); // true
