// sigrpc: send UNIX signals safely from Node.js through the sigrpc helper.

export { Client } from './src/client.js';
export { Process } from './src/process.js';
export { findHelper } from './src/find.js';
export {
  AbortError,
  HelperExitedError,
  PolicyError,
  RPCError,
  SystemError,
  TimeoutError,
  UnknownSignalError,
  codes,
} from './src/errors.js';

/** @typedef {import('./src/client.js').ClientOptions} ClientOptions */
/** @typedef {import('./src/client.js').CallOptions} CallOptions */
/** @typedef {import('./src/client.js').SignalLike} SignalLike */
/** @typedef {import('./src/client.js').KillOptions} KillOptions */
/** @typedef {import('./src/client.js').SignameOptions} SignameOptions */
/** @typedef {import('./src/client.js').WaitOptions} WaitOptions */
/** @typedef {import('./src/client.js').StopOptions} StopOptions */
/** @typedef {import('./src/client.js').TerminateOptions} TerminateOptions */
/** @typedef {import('./src/client.js').ChildrenOptions} ChildrenOptions */
/** @typedef {import('./src/client.js').HelperExit} HelperExit */
/** @typedef {import('./src/calls.js').ProcessInfo} ProcessInfo */
/** @typedef {import('./src/calls.js').ChildInfo} ChildInfo */
/** @typedef {import('./src/calls.js').Termination} Termination */
/** @typedef {import('./src/calls.js').Member} Member */
