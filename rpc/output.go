package rpc

import (
	"io"
	"sync"
)

// flushThreshold is how much output may collect before it is written even
// though more input is pending.
const flushThreshold = 64 << 10

// output buffers framed responses and writes them in bursts. It is safe
// for concurrent use; every write happens under its lock, so responses are
// never interleaved.
type output struct {
	mu      sync.Mutex
	w       io.Writer
	framing Framing
	buf     []byte
	err     error // the first write error; later writes are dropped
}

// setFraming sets the framing of responses once it is known.
func (o *output) setFraming(f Framing) {
	o.mu.Lock()
	o.framing = f
	o.mu.Unlock()
}

// send frames body and queues it, writing the queue out if it is large.
func (o *output) send(body []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return
	}
	o.buf = appendFrame(o.buf, o.framing, body)
	if len(o.buf) >= flushThreshold {
		o.flushLocked()
	}
}

// flush writes out everything queued and returns the first write error
// the output has seen, if any.
func (o *output) flush() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.flushLocked()
	return o.err
}

func (o *output) flushLocked() {
	if len(o.buf) == 0 || o.err != nil {
		return
	}
	_, o.err = o.w.Write(o.buf)
	if cap(o.buf) > 4*flushThreshold {
		o.buf = nil // do not pin a burst's worth of memory
	} else {
		o.buf = o.buf[:0]
	}
}
