// Package rpc is sigrpc's JSON-RPC 2.0 wire layer: framing (ndjson, the
// LSP base protocol, and detection of either), message validation, batches,
// id fidelity, strict parameter decoding, dispatch and error mapping.
//
// The package takes its errors from github.com/sourcegraph/jsonrpc2 (its
// Error type and error codes carry every error), but decodes requests
// itself and runs its own read–dispatch–write loop instead of
// jsonrpc2.Conn: Conn closes the connection on the first
// malformed message, cannot carry null or negative ids, and costs about
// three times the pipe round trip per request. See the README's design
// section for the measurements.
//
// The package makes no system calls of its own; everything that touches
// processes lives in package sigctl.
//
// # The session
//
// Server.Serve runs one session over a reader and a writer. Its design
// follows from the clients it serves: a synchronous client writes one
// request and waits with its end of the pipe open, perhaps after a stray
// newline; a client may stop reading; a client may die or be told to stop.
//
// One goroutine, the reader, reads messages and dispatches them in order.
// Methods that answer at once run inline on it; blocking methods (those
// that wait for a process) run on goroutines of their own, at most
// Options.MaxBlocking at a time (beyond that, -32000 EAGAIN).
//
// Answers never wait for input. The reader reads through a flushingReader,
// which writes all pending output before every read of the underlying
// reader that could block, whatever the input buffer holds (a blank line,
// a "\r\n", the start of the next message): anything owed is written
// before the session waits for the client. A reader that can tell, without
// blocking, that input is waiting (a ReadyReader, as sigrpc's stdin is)
// lets a pipelined burst be answered in large writes instead of one per
// read. Frame errors are answered as
// soon as the bytes that prove them have arrived: an lsp header declaring
// more than Options.MaxMessageBytes is answered at the header and its body
// is then discarded as it arrives; an ndjson line is answered as soon as
// it passes the limit. Buffers grow with the bytes that arrived, never
// from a declared length. A blocking call writes its own answer when it
// ends, since the reader may be waiting for input.
//
// Output is bounded, and that bound is the session's backpressure. Answers
// are queued, framed, and written by one goroutine at a time, outside any
// lock the others need to queue. At most Options.MaxPendingOutput bytes
// (plus one message) wait unwritten; a goroutine with more to add waits
// for a write to take the queue. When the client stops reading, the write
// in progress blocks, the queue fills, the reader stops reading, and each
// blocking call keeps its slot until its answer has been written: memory
// stays bounded, and so do goroutines, at MaxBlocking plus a few.
//
// Batches are bounded too. A batch's answers are held until its last
// member answers, and those held answers count against the output bound,
// for the whole session: a member runs only while the answers held for
// unfinished batches are under Options.MaxPendingOutput. The member that
// reaches the bound has run and keeps its answer; the members after it in
// its batch do not run, and each request among them is answered with
// Options.BatchFull. A batch with more than Options.MaxBatchMembers
// members is answered with one -32600 error (id null) and none of it
// runs, so that those error answers are bounded too. The reader never
// waits for a batch to finish, so a batch waiting on a blocking member
// holds up nothing else. A blocking member keeps its slot until the
// batch's answer has been written, and the whole answer is queued like
// any other, with the same backpressure.
//
// The end of input finishes what was read: blocking calls run to their
// end (a wait to its timeout, a terminate through its escalation), every
// answer is written, and Serve returns nil.
//
// Cancelling Serve's context ends the session promptly: the reader stops
// before its next message, blocking calls are cancelled and answer, and
// Serve returns once everything is written, or after
// Options.ShutdownTimeout with ErrShutdownTimeout if the client is not
// reading. No lock is held across a write that this path needs: past the
// deadline the output is abandoned (a write in progress is cut short where
// the writer has a deadline) and Serve returns regardless.
//
// Echoed text is always valid UTF-8 (see AppendEcho): an id, a method name
// or a signal name is echoed byte for byte, except that each byte that is
// not part of valid UTF-8, and each \u escape of a lone surrogate (one
// that is not half of a pair), becomes the escape \ufffd: the character
// encoding/json decodes either to. A surrogate pair stays as it is.
package rpc
