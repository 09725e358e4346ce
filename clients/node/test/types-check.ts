// A typed usage of the package, checked by `npm run typecheck` (tsc --noEmit)
// against index.d.ts through the package's own exports map. Never run.

import {
  AbortError,
  Client,
  HelperExitedError,
  PolicyError,
  RPCError,
  SystemError,
  TimeoutError,
  UnknownSignalError,
  codes,
  findHelper,
  type ClientOptions,
  type ProcessInfo,
  type SignalLike,
  type Termination,
} from 'sigrpc';

declare const childPid: number;

export async function usage(): Promise<void> {
  const options: ClientOptions = { command: findHelper(), args: ['--descendants-only'], timeout: 5000, unref: true };
  await using client = await Client.start(options);
  const plain = new Client();
  const pid: number | undefined = plain.pid;
  void pid;

  const n: number | null = await client.signum('SIGTERM');
  const same: number | null = await client.signum(15, { timeout: 100 });
  const sent: true = await client.kill(childPid);
  await client.kill(childPid, 'TERM');
  await client.kill(childPid, 9, { signal: AbortSignal.timeout(1000) });
  const info: ProcessInfo = await client.inspect(childPid);
  await client.kill(childPid, 'USR1', { startTime: info.startTime });
  const all: Record<string, number> = await client.signals();
  const name: string | null = await client.signame(143, { exitStatus: true });
  const gone: boolean = await client.wait(childPid, 1000);
  const t: Termination = await client.terminate(childPid, 'TERM', {
    grace: 2000,
    escalate: null,
    escalateGrace: 500,
    startTime: info.startTime,
  });
  const raw: unknown = await client.call('signum', ['HUP']);
  await client.call('rpc.discover');
  await client.call('signame', { number: 9 }, { signal: new AbortController().signal });
  const sig: SignalLike = 'INT';
  client.unref().ref();
  await client.close();
  await plain[Symbol.asyncDispose]();
  void [n, same, sent, all, name, gone, t.elapsedMs, t.escalated, t.exited, raw, sig];

  // @ts-expect-error: a signal is a string or a number
  await client.kill(childPid, true);
  // @ts-expect-error: params are an array or an object
  await client.call('signum', 'TERM');
  // @ts-expect-error: wait resolves to a boolean
  const wrong: { exited: boolean } = await client.wait(childPid);
  void wrong;

  try {
    await client.kill(childPid);
  } catch (err) {
    if (err instanceof SystemError) {
      const code: string = err.code;
      const errno: number = err.errno;
      const syscall: string = err.syscall;
      const reason: string | undefined = err.reason;
      void [code, errno, syscall, reason];
    } else if (err instanceof UnknownSignalError) {
      const code: 'ERR_UNKNOWN_SIGNAL' = err.code;
      const asType: TypeError = err;
      void [code, asType, err.signal];
    } else if (err instanceof PolicyError) {
      const code: 'ERR_SIGRPC_POLICY' = err.code;
      const reason: string = err.reason;
      void [code, reason];
    } else if (err instanceof HelperExitedError) {
      const code: 'ERR_SIGRPC_HELPER_EXITED' = err.code;
      const exit: number | null = err.exitCode;
      const signal: string | null = err.signal;
      const stderr: string = err.stderr;
      void [code, exit, signal, stderr];
    } else if (err instanceof TimeoutError) {
      const code: 'ERR_SIGRPC_TIMEOUT' = err.code;
      const ms: number = err.timeout;
      void [code, ms, err.method];
    } else if (err instanceof AbortError) {
      const code: 'ABORT_ERR' = err.code;
      void [code, err.cause];
    } else if (err instanceof RPCError) {
      const code: number = err.code;
      void [code, err.data, err.message, code === codes.METHOD_NOT_FOUND];
    }
  }
}
