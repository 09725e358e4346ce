package rpc

import (
	"errors"
	"io"
	"sync"
	"time"
)

// Output limits. See output.
const (
	// eagerWrite is how much output may collect before the goroutine that
	// adds to it writes it out (if nobody else is writing), so that a long
	// burst is written in pieces of about this size.
	eagerWrite = 64 << 10
	// DefaultMaxPendingOutput bounds the output that has been queued but
	// not yet written. Beyond it, whoever adds more waits; see output.send.
	DefaultMaxPendingOutput = 1 << 20
	// keepBuffer is the largest output buffer kept for reuse after a write.
	keepBuffer = 4 * eagerWrite
)

// errOutputClosed is what flush reports once the output has been
// abandoned (see output.abort) with answers still unwritten.
var errOutputClosed = errors.New("output abandoned with answers unwritten")

// output queues framed responses and writes them to w. It is safe for
// concurrent use.
//
// One goroutine at a time writes, outside the lock, so that adding to the
// queue never waits for a write in progress unless the queue is full. The
// queue holds at most limit bytes plus one message: a goroutine that adds
// to a full queue waits until a write has taken it, and writes it itself
// if nobody is writing. When the peer stops reading, the write in
// progress blocks, the queue fills, and every producer (the reader of
// requests among them) stops: that is the session's backpressure.
//
// Nothing here needs a lock that a blocked write holds in order to stop:
// abort wakes every waiter at once.
type output struct {
	w     io.Writer
	limit int

	mu      sync.Mutex
	cond    sync.Cond // broadcast when a write ends and when the output is aborted
	framing Framing
	buf     []byte // framed responses no write has taken yet
	spare   []byte // the buffer of the last write, for reuse
	writing bool   // a goroutine is in w.Write
	queued  int64  // bytes ever queued
	written int64  // bytes ever taken by a write that returned
	err     error  // the first write error; later output is dropped
	aborted bool   // see abort
	// after holds the functions to call once the output queued before
	// them has been written, in queue order (see sendThen).
	after []afterWrite
}

// afterWrite is a function to call once the output has been written up to
// end (bytes ever queued).
type afterWrite struct {
	end int64
	fn  func()
}

// newOutput returns an output to w that holds at most limit unwritten
// bytes plus one message.
func newOutput(w io.Writer, limit int) *output {
	o := &output{w: w, limit: limit}
	o.cond.L = &o.mu
	return o
}

// setFraming sets the framing of the responses queued from now on.
func (o *output) setFraming(f Framing) {
	o.mu.Lock()
	o.framing = f
	o.mu.Unlock()
}

// send frames body and queues it. If the queue is full, send waits for a
// write to take it, or writes it itself when nobody is writing; if the
// queue has grown past eagerWrite and nobody is writing, send writes it
// too. After a write error or abort, send drops body.
func (o *output) send(body []byte) { o.sendThen(body, nil) }

// sendThen is send, and then calls done, if not nil, once body has been
// written, or dropped after a write error or abort. done runs on whichever
// goroutine ends that write, with the output locked: it must not block
// and must not use the output.
func (o *output) sendThen(body []byte, done func()) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for len(o.buf) >= o.limit && o.usable() {
		if o.writing {
			o.cond.Wait()
		} else {
			o.writeLocked()
		}
	}
	if !o.usable() {
		if done != nil {
			done()
		}
		return
	}
	n := len(o.buf)
	o.buf = appendFrame(o.buf, o.framing, body)
	o.queued += int64(len(o.buf) - n)
	if done != nil {
		o.after = append(o.after, afterWrite{end: o.queued, fn: done})
	}
	if len(o.buf) >= eagerWrite && !o.writing {
		o.writeLocked()
	}
}

// flush returns once everything queued before it was called has been
// written, and reports the first write error, or errOutputClosed if the
// output was abandoned first. It writes the queue itself when nobody
// else is writing.
func (o *output) flush() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	target := o.queued
	for o.written < target && o.usable() {
		if o.writing {
			o.cond.Wait()
		} else {
			o.writeLocked()
		}
	}
	switch {
	case o.err != nil:
		return o.err
	case o.written < target:
		return errOutputClosed
	}
	return nil
}

// writeError returns the first write error, if any.
func (o *output) writeError() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.err
}

// usable reports whether output can still be written.
func (o *output) usable() bool { return o.err == nil && !o.aborted }

// writeLocked writes the queue out. It is called with o.mu held and no
// write in progress, and releases the lock while it writes.
func (o *output) writeLocked() {
	b := o.buf
	o.buf, o.spare = o.spare[:0], nil
	o.writing = true
	o.mu.Unlock()
	_, err := o.w.Write(b)
	o.mu.Lock()
	o.writing = false
	o.written += int64(len(b))
	if err != nil && o.err == nil {
		o.err = err
	}
	if cap(b) <= keepBuffer {
		o.spare = b[:0]
	}
	o.runAfter()
	o.cond.Broadcast()
}

// runAfter calls the functions waiting for output that has been written,
// or for any output once none can be written any more. It is called with
// o.mu held.
func (o *output) runAfter() {
	i := 0
	for ; i < len(o.after) && (o.after[i].end <= o.written || !o.usable()); i++ {
		o.after[i].fn()
		o.after[i] = afterWrite{}
	}
	o.after = o.after[i:]
	if len(o.after) == 0 {
		o.after = nil
	}
}

// abort abandons the output: queued and later responses are dropped, and
// every goroutine waiting in send or flush returns at once. A write in
// progress is cut short if w has a write deadline (os.File on a
// non-blocking pipe, net.Conn); otherwise it ends when the peer reads or
// goes.
func (o *output) abort() {
	o.mu.Lock()
	o.aborted = true
	o.runAfter()
	o.cond.Broadcast()
	o.mu.Unlock()
	if d, ok := o.w.(interface{ SetWriteDeadline(time.Time) error }); ok {
		d.SetWriteDeadline(time.Now())
	}
}

// A ReadyReader can tell, without blocking, whether a Read would return at
// once because input is waiting. The session writes its pending output
// before every read that could block; given a ReadyReader, it skips that
// write while input is waiting, so that a burst of pipelined requests is
// answered in large writes rather than one per read.
type ReadyReader interface {
	io.Reader
	// Ready reports whether a Read would return at once. It must not
	// block, and must report false when it cannot tell.
	Ready() bool
}

// flushingReader is the session's input: it writes pending output before
// every read of the underlying reader that could block, that is before
// every read unless the reader is a ReadyReader with input waiting. A read
// may block until the peer writes again, and no answer may wait for input
// it does not need. A write error is returned as the read's error, which
// ends the session.
type flushingReader struct {
	r   io.Reader
	out *output
}

// Read flushes the output unless input is known to be waiting, then reads.
func (f flushingReader) Read(p []byte) (int, error) {
	if rr, ok := f.r.(ReadyReader); !ok || !rr.Ready() {
		if err := f.out.flush(); err != nil {
			return 0, err
		}
	}
	return f.r.Read(p)
}
