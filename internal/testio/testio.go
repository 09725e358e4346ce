// Package testio holds readers and writers that tests of sigrpc's session
// use to behave like real clients: one that writes its input and then
// waits with its end open, one that reads answers as they come, one that
// floods the server and never reads.
package testio

import (
	"bytes"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// StallingReader yields its input, then blocks, as a client that keeps
// stdin open while it waits for its answers: the first Read past the end
// closes Stalled and then waits until a read deadline is set (any deadline
// counts as past), which a server sets when it shuts down.
type StallingReader struct {
	r        *strings.Reader
	Stalled  chan struct{} // closed when a Read finds nothing left
	deadline chan struct{}
	once     sync.Once
	dlOnce   sync.Once
}

// NewStallingReader returns a StallingReader of input.
func NewStallingReader(input string) *StallingReader {
	return &StallingReader{r: strings.NewReader(input), Stalled: make(chan struct{}), deadline: make(chan struct{})}
}

// Read reads the input; past its end, it stalls until a deadline is set.
func (s *StallingReader) Read(p []byte) (int, error) {
	if s.r.Len() > 0 {
		return s.r.Read(p)
	}
	s.once.Do(func() { close(s.Stalled) })
	<-s.deadline
	return 0, os.ErrDeadlineExceeded
}

// Ready reports whether input is left, so that a Read would not stall: a
// StallingReader is an rpc.ReadyReader, as sigrpc's stdin is.
func (s *StallingReader) Ready() bool { return s.r.Len() > 0 }

// SetReadDeadline unblocks a stalled Read.
func (s *StallingReader) SetReadDeadline(time.Time) error {
	s.dlOnce.Do(func() { close(s.deadline) })
	return nil
}

// SyncBuffer is a bytes.Buffer that one goroutine may write while
// another reads it.
type SyncBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	written chan struct{} // closed and replaced at every write
}

// Write appends p.
func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.written != nil {
		close(b.written)
		b.written = nil
	}
	return b.buf.Write(p)
}

// String returns what has been written.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// WaitFor returns what has been written once it is at least n bytes
// long, or when d has passed.
func (b *SyncBuffer) WaitFor(n int, d time.Duration) string {
	timeout := time.After(d)
	for {
		b.mu.Lock()
		s := b.buf.String()
		if b.written == nil {
			b.written = make(chan struct{})
		}
		written := b.written
		b.mu.Unlock()
		if len(s) >= n {
			return s
		}
		select {
		case <-written:
		case <-timeout:
			return s
		}
	}
}

// Flood is a client that writes requests as fast as the server takes
// them, without reading the answers, each write ending in the middle of a
// request, as a client that never reads its stdout does.
type Flood struct {
	sent atomic.Int64
	stop chan struct{}
	done chan struct{}
}

// StartFlood starts writing to w, perWrite requests a write; request(id)
// is the request with that id, ending in a newline. It goes on until
// Stop, or until a write fails.
func StartFlood(w io.Writer, perWrite int, request func(id int) string) *Flood {
	f := &Flood{stop: make(chan struct{}), done: make(chan struct{})}
	go f.run(w, perWrite, request)
	return f
}

func (f *Flood) run(w io.Writer, perWrite int, request func(id int) string) {
	defer close(f.done)
	pending := ""
	for id := 0; ; {
		var b strings.Builder
		b.WriteString(pending)
		for range perWrite {
			b.WriteString(request(id))
			id++
		}
		s := b.String()
		cut := len(s) - 7 // the last request goes out in the next write
		if _, err := io.WriteString(w, s[:cut]); err != nil {
			return
		}
		pending = s[cut:]
		f.sent.Store(int64(id - 1))
		select {
		case <-f.stop:
			if _, err := io.WriteString(w, pending); err == nil {
				f.sent.Store(int64(id))
			}
			return
		default:
		}
	}
}

// Sent returns how many requests have been written whole so far: ids 0
// to Sent()-1.
func (f *Flood) Sent() int { return int(f.sent.Load()) }

// Stop finishes the request in progress, stops, and returns how many
// requests were written whole. The server must be reading for it to
// return.
func (f *Flood) Stop() int {
	close(f.stop)
	<-f.done
	return f.Sent()
}
