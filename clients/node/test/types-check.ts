// A typed usage of the package, checked by `npm run typecheck` against the
// declarations in types/ (generated from the sources' JSDoc) through the
// package's own exports map. Never run.

import {
  AbortError,
  Client,
  HelperExitedError,
  PolicyError,
  Process,
  RPCError,
  SystemError,
  TimeoutError,
  UnknownSignalError,
  codes,
  findHelper,
  type ChildInfo,
  type ClientOptions,
  type HelperExit,
  type Member,
  type ProcessInfo,
  type SignalLike,
  type StopOptions,
  type Termination,
  type WaitOptions,
} from 'sigrpc';

declare const childPid: number;

export async function usage(): Promise<void> {
  const options: ClientOptions = { command: findHelper(), args: ['--descendants-only'], rpcTimeout: 5000, unref: true };
  await using client = await Client.start(options);
  const plain = new Client();
  const pid: number | undefined = plain.pid;
  void pid;

  const n: number | null = await client.signum('SIGTERM');
  const same: number | null = await client.signum(15, { rpcTimeout: 100 });
  const sent: true = await client.kill(childPid);
  await client.kill(childPid, 'TERM');
  await client.kill(childPid, null);
  await client.kill(childPid, 9, { signal: AbortSignal.timeout(1000) });
  const info: ProcessInfo = await client.inspect(childPid);
  await client.kill(childPid, 'USR1', { startTime: info.startTime });
  const all: Record<string, number> = await client.signals();
  const name: string | null = await client.signame(143, { exitStatus: true });
  const gone: boolean = await client.wait(childPid, { timeout: 1000 });
  await client.wait(childPid, { timeout: Infinity, rpcTimeout: undefined });
  const t: Termination = await client.terminate(childPid, 'TERM', {
    timeout: 2000,
    escalate: null,
    escalateTimeout: 500,
    startTime: info.startTime,
    tree: true,
  });
  const members: Member[] | undefined = t.members;
  const kids: ChildInfo[] = await client.children(childPid, { recursive: true });
  const raw: unknown = await client.call('signum', ['HUP']);
  await client.call('rpc.discover');
  await client.call('signame', { number: 9 }, { signal: new AbortController().signal });
  const sig: SignalLike = 'INT';
  client.unref().ref();
  const exit: HelperExit = await client.closed;
  const code: number | null = exit.exitCode;
  const requested: boolean = exit.requested;
  await client.close();
  await plain[Symbol.asyncDispose]();
  void [n, same, sent, all, name, gone, t.elapsedMs, t.escalated, t.exited, members, kids, raw, sig, code, requested];

  const proc: Process = await client.process(childPid);
  const ppid: number = proc.pid;
  const start: string = proc.startTime;
  const running: boolean = await proc.isRunning();
  const nothing: void = await proc.sendSignal('SIGUSR1');
  await proc.sendSignal();
  await proc.terminate();
  await proc.kill({ rpcTimeout: 100 });
  const waitOptions: WaitOptions = { timeout: 100 };
  const exited: boolean = await proc.wait(waitOptions);
  await proc.wait();
  const stopOptions: StopOptions = { timeout: 1000, escalate: 'KILL', tree: false };
  const stopped: Termination = await proc.stop(stopOptions);
  const now: ProcessInfo = await proc.info();
  void [ppid, start, running, nothing, exited, stopped, now];

  // @ts-expect-error: a signal is a string or a number
  await client.kill(childPid, true);
  // @ts-expect-error: params are an array or an object
  await client.call('signum', 'TERM');
  // @ts-expect-error: wait resolves to a boolean
  const wrong: { exited: boolean } = await client.wait(childPid);
  // @ts-expect-error: the call deadline is rpcTimeout
  new Client({ timeout: 100 });
  // @ts-expect-error: the handle's identity cannot be changed
  proc.startTime = '1';
  // @ts-expect-error: stop always carries the handle's own start time
  await proc.stop({ startTime: '1' });
  void wrong;

  try {
    await client.kill(childPid);
  } catch (err) {
    if (err instanceof SystemError) {
      const code: string = err.code;
      const errno: number = err.errno;
      const syscall: string = err.syscall;
      const reason: string | undefined = err.reason;
      const rpcCode: number | undefined = err.rpcCode;
      void [code, errno, syscall, reason, rpcCode];
    } else if (err instanceof UnknownSignalError) {
      const code: 'ERR_UNKNOWN_SIGNAL' = err.code;
      const asType: TypeError = err;
      void [code, asType, err.signal, err.rpcCode];
    } else if (err instanceof PolicyError) {
      const code: 'ERR_SIGRPC_POLICY' = err.code;
      const reason: string = err.reason;
      const rpcCode: -32001 = err.rpcCode;
      void [code, reason, rpcCode];
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
      const code: string = err.code;
      const rpcCode: number = err.rpcCode;
      void [code, err.data, err.message, rpcCode === codes.METHOD_NOT_FOUND];
    }
  }
}
