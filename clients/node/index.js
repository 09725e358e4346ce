// sigrpc: send UNIX signals safely from Node.js through the sigrpc helper.

export { Client, findHelper } from './src/client.js';
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
