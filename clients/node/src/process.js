// A handle on one process: its pid and the start time that, with the pid,
// names it. Every signal it sends carries the start time, so it can never
// reach a process that reused the pid.

import { optionsArg, processIdArg, startTimeArg, waitMillisArg } from './calls.js';
import { SystemError, invalidArgType } from './errors.js';

/** @typedef {import('./client.js').Client} Client */
/** @typedef {import('./client.js').CallOptions} CallOptions */
/** @typedef {import('./client.js').WaitOptions} WaitOptions */
/** @typedef {import('./client.js').StopOptions} StopOptions */
/** @typedef {import('./client.js').SignalLike} SignalLike */
/** @typedef {import('./calls.js').ProcessInfo} ProcessInfo */
/** @typedef {import('./calls.js').Termination} Termination */

/**
 * One process, as `client.process(pid)` found it. Its methods act on that
 * process only: once it has exited and its pid names another process,
 * signals reject with `ESRCH` (`reason: 'start_time mismatch'`) and send
 * nothing.
 */
export class Process {
  /** @type {Client} */
  #client;

  /**
   * Use `await client.process(pid)`, which reads the start time.
   *
   * @param {Client} client
   * @param {number} pid
   * @param {string} startTime the process's start time, from `inspect`
   */
  constructor(client, pid, startTime) {
    if (client === null || typeof client !== 'object' || typeof client.inspect !== 'function') {
      throw invalidArgType('client', 'an instance of Client', client);
    }
    const pidChecked = processIdArg(pid, 'pid');
    if (startTimeArg(startTime, 'startTime') === undefined) throw invalidArgType('startTime', 'of type string (from inspect)', startTime);
    this.#client = client;
    /**
     * The process id.
     * @readonly
     * @type {number}
     */
    this.pid = pidChecked;
    /**
     * Its start time (field 22 of `/proc/<pid>/stat`) when the handle was made: with the pid, it names this process.
     * @readonly
     * @type {string}
     */
    this.startTime = startTime;
  }

  /**
   * Whether the process is still running: false once it has exited, even if
   * it is a zombie not yet reaped, and false if its pid now names another
   * process.
   *
   * @param {CallOptions} [options]
   * @returns {Promise<boolean>}
   */
  async isRunning(options) {
    let info;
    try {
      info = await this.#client.inspect(this.pid, options);
    } catch (err) {
      if (/** @type {{code?: unknown}} */ (err).code === 'ESRCH') return false;
      throw err;
    }
    return info.startTime === this.startTime && info.state !== 'Z' && info.state !== 'X';
  }

  /**
   * Send a signal to this process (not to a process that reused its pid).
   *
   * @param {SignalLike | null} [signal] default `'TERM'`; `0` or `'NONE'` checks that it still exists
   * @param {CallOptions} [options]
   * @returns {Promise<void>} rejects with `ESRCH` once the process is gone
   */
  async sendSignal(signal, options) {
    await this.#client.kill(this.pid, signal, { ...optionsArg(options), startTime: this.startTime });
  }

  /**
   * Send `TERM`.
   * @param {CallOptions} [options]
   * @returns {Promise<void>}
   */
  terminate(options) {
    return this.sendSignal('TERM', options);
  }

  /**
   * Send `KILL`.
   * @param {CallOptions} [options]
   * @returns {Promise<void>}
   */
  kill(options) {
    return this.sendSignal('KILL', options);
  }

  /**
   * Wait until the process has exited (a zombie counts): resolves `true`
   * once it has, `false` if `timeout` milliseconds pass first. Without a
   * `timeout`, waits as long as it takes; `timeout: 0` checks once.
   *
   * @param {WaitOptions} [options]
   * @returns {Promise<boolean>}
   */
  async wait(options) {
    const given = optionsArg(options)?.timeout;
    const timeout = given === undefined ? Infinity : /** @type {number} */ (given);
    waitMillisArg(timeout, 'options.timeout');
    // The helper waits on a pid; first make sure the pid still names this
    // process, else it is gone (and the pid's new owner is not ours to wait on).
    if (!(await this.isRunning(options))) return true;
    return this.#client.wait(this.pid, { ...options, timeout });
  }

  /**
   * Stop the process: send `TERM`, wait up to `timeout` ms for it to go;
   * if it has not, send `escalate` (default `'KILL'`; `null`: none) and wait
   * up to `escalateTimeout` ms. Every signal carries the start time. With
   * `tree: true`, the whole tree rooted at the process (needs a helper that
   * has it).
   *
   * @param {StopOptions} [options] `timeout` (default 5000), `escalate`, `escalateTimeout` (default 1000), `tree`
   * @returns {Promise<Termination>}
   */
  stop(options) {
    let opts;
    try {
      opts = optionsArg(options);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#client.terminate(this.pid, undefined, { ...opts, startTime: this.startTime });
  }

  /**
   * What the system reports about the process now.
   *
   * @param {CallOptions} [options]
   * @returns {Promise<ProcessInfo>} rejects with `ESRCH` once the process is gone
   */
  async info(options) {
    const info = await this.#client.inspect(this.pid, options);
    if (info.startTime !== this.startTime) {
      throw new SystemError('ESRCH', 3, 'inspect', 'No such process', 'start_time mismatch');
    }
    return info;
  }
}
