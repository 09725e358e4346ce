// Package rpc is sigrpc's JSON-RPC 2.0 wire layer: framing (ndjson, the
// LSP base protocol, and detection of either), message validation,
// batches, id fidelity, strict parameter decoding, dispatch and output. It
// knows no sigrpc method: a Server serves the table of Methods it is
// given, and answers rpc.discover from the same table.
//
// The rules it keeps (framing, limits, when answers are written, batches,
// ids, errors, shutdown) are sections 1 and 2 of PROTOCOL.md, at the
// module's root. The README's design section says how Server keeps them,
// and why it runs its own loop instead of jsonrpc2.Conn, whose Error type
// and codes it uses. It makes no system calls of its own; everything that
// touches processes lives in package sigctl.
package rpc
