// Package rpc is sigrpc's JSON-RPC 2.0 wire layer: framing (ndjson, the
// LSP base protocol, and detection of either), message validation, batches,
// id fidelity, strict parameter decoding, dispatch and error mapping.
//
// The package uses github.com/sourcegraph/jsonrpc2 as its model of the
// protocol (its Request type carries decoded requests and its Error type
// and error codes carry every error), but runs its own read–dispatch–write
// loop instead of jsonrpc2.Conn: Conn closes the connection on the first
// malformed message, cannot carry null or negative ids, and costs about
// three times the pipe round trip per request. See the README's design
// section for the measurements.
//
// The package makes no system calls of its own; everything that touches
// processes lives in package signal.
package rpc
