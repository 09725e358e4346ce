// Package testio holds readers and writers that tests of sigrpc's session
// use to behave like real clients: one that writes its input and then
// waits with its end open, one that reads answers as they come (Conn, for
// a server in process or the binary alike), one that floods the server
// and never reads.
package testio

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// StallingReader yields its input, then blocks, as a client that keeps
// stdin open while it waits for its answers: the first Read past the end
// closes Stalled and then waits until a read deadline is set (any deadline
// counts as past), which a server sets when it shuts down, or until End
// ends the input.
type StallingReader struct {
	r        *strings.Reader
	Stalled  chan struct{} // closed when a Read finds nothing left
	deadline chan struct{}
	ended    chan struct{}
	once     sync.Once
	dlOnce   sync.Once
	endOnce  sync.Once
}

// NewStallingReader returns a StallingReader of input.
func NewStallingReader(input string) *StallingReader {
	return &StallingReader{r: strings.NewReader(input), Stalled: make(chan struct{}), deadline: make(chan struct{}), ended: make(chan struct{})}
}

// Read reads the input; past its end, it stalls until a deadline is set
// (os.ErrDeadlineExceeded) or End is called (io.EOF).
func (s *StallingReader) Read(p []byte) (int, error) {
	if s.r.Len() > 0 {
		return s.r.Read(p)
	}
	s.once.Do(func() { close(s.Stalled) })
	select {
	case <-s.ended:
		return 0, io.EOF
	case <-s.deadline:
		return 0, os.ErrDeadlineExceeded
	}
}

// End ends the input, as a client that closes its end: once the input is
// read, Read returns io.EOF.
func (s *StallingReader) End() {
	s.endOnce.Do(func() { close(s.ended) })
}

// Ready reports whether input is left, so that a Read would not stall: a
// StallingReader is an rpc.ReadyReader, as sigrpc's stdin is.
func (s *StallingReader) Ready() bool { return s.r.Len() > 0 }

// SetReadDeadline unblocks a stalled Read.
func (s *StallingReader) SetReadDeadline(time.Time) error {
	s.dlOnce.Do(func() { close(s.deadline) })
	return nil
}

// Pipe returns a pipe whose ends are closed when the test ends.
func Pipe(t testing.TB) (r, w *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return r, w
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

// Conn is a client's end of a session: it writes requests to the
// server's input and reads its answers, line by line in the background
// once Next is first called. Read R directly only before that.
type Conn struct {
	W io.WriteCloser // the server's input
	R *bufio.Reader  // the server's output
	// Diag, if set, says more when Next fails: the server's stderr, say.
	Diag func() string
	// Check, if set, is given the method and result of every answer Call
	// reads that has a result; an error it returns fails the test.
	Check func(method string, result json.RawMessage) error

	start sync.Once
	lines chan string
}

// NewConn returns a Conn that writes to w and reads r.
func NewConn(w io.WriteCloser, r io.Reader) *Conn {
	return &Conn{W: w, R: bufio.NewReader(r), lines: make(chan string, 1024)}
}

// Send writes s, as it is, to the server's input.
func (c *Conn) Send(t testing.TB, s string) {
	t.Helper()
	if _, err := io.WriteString(c.W, s); err != nil {
		t.Fatalf("writing to the server: %v", err)
	}
}

// ReadLines starts reading the output in the background, line by line,
// for Next, as a client that reads answers as they come does. Next calls
// it.
func (c *Conn) ReadLines() {
	c.start.Do(func() {
		go func() {
			defer close(c.lines)
			for {
				line, err := c.R.ReadString('\n')
				if err != nil {
					return
				}
				c.lines <- strings.TrimSuffix(line, "\n")
			}
		}()
	})
}

// Next returns the next line of output, without its newline, failing the
// test after 10 s or at the end of the output.
func (c *Conn) Next(t testing.TB) string {
	t.Helper()
	c.ReadLines()
	select {
	case line, ok := <-c.lines:
		if !ok {
			t.Fatalf("the server's output ended%s", c.diag())
		}
		return line
	case <-time.After(10 * time.Second):
		t.Fatalf("no line of output within 10 s%s", c.diag())
	}
	return ""
}

func (c *Conn) diag() string {
	if c.Diag == nil {
		return ""
	}
	return "; " + c.Diag()
}

// Call sends one ndjson request and returns the next line of output.
func (c *Conn) Call(t testing.TB, req string) string {
	t.Helper()
	c.Send(t, req+"\n")
	line := c.Next(t)
	if c.Check != nil {
		var q struct{ Method string }
		var a struct{ Result json.RawMessage }
		if json.Unmarshal([]byte(req), &q) == nil && json.Unmarshal([]byte(line), &a) == nil && a.Result != nil {
			if err := c.Check(q.Method, a.Result); err != nil {
				t.Errorf("%v", err)
			}
		}
	}
	return line
}
