package rpc

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sigrpc/sigrpc/internal/conformance"
	"github.com/sigrpc/sigrpc/signal"
)

// TestConformance runs the shared vectors through an in-process server
// with the real method table. The vectors only signal pids that cannot
// exist or that the policy refuses.
func TestConformance(t *testing.T) {
	cases, err := conformance.Load("testdata/conformance.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, run := range conformance.Runs(cases) {
		if !run.OpenOnly {
			t.Run(run.Name, func(t *testing.T) {
				t.Parallel()
				srv := serverForArgs(t, run.Args)
				var out bytes.Buffer
				if err := srv.Serve(context.Background(), strings.NewReader(run.Input), &out); err != nil {
					t.Fatalf("Serve: %v", err)
				}
				if got := out.String(); got != run.Output {
					t.Errorf("input  %q\ngot    %q\nwant   %q", run.Input, got, run.Output)
				}
			})
		}
		if run.NeedsEOF {
			continue
		}
		t.Run(run.Name+" [input open]", func(t *testing.T) {
			t.Parallel()
			srv := serverForArgs(t, run.Args)
			in := newStallingReader(run.Input)
			out := &syncBuffer{}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- srv.Serve(ctx, in, out) }()
			<-in.stalled // the server asks for more input: no answer may wait for it
			if got := out.waitFor(len(run.Output), time.Second); got != run.Output {
				t.Errorf("with the input still open\ninput  %q\ngot    %q\nwant   %q", run.Input, got, run.Output)
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("Serve: %v", err)
			}
		})
	}
}

// stallingReader yields its input, then blocks, as a client that keeps
// stdin open and waits for its answers does: the first Read past the end
// closes stalled and waits until the reader is unblocked by a read
// deadline (which Serve sets when it shuts down).
type stallingReader struct {
	r        *strings.Reader
	stalled  chan struct{}
	deadline chan struct{}
	once     sync.Once
	dlOnce   sync.Once
}

func newStallingReader(input string) *stallingReader {
	return &stallingReader{r: strings.NewReader(input), stalled: make(chan struct{}), deadline: make(chan struct{})}
}

func (s *stallingReader) Read(p []byte) (int, error) {
	if s.r.Len() > 0 {
		return s.r.Read(p)
	}
	s.once.Do(func() { close(s.stalled) })
	<-s.deadline
	return 0, os.ErrDeadlineExceeded
}

// SetReadDeadline unblocks a stalled Read; any deadline counts as past.
func (s *stallingReader) SetReadDeadline(time.Time) error {
	s.dlOnce.Do(func() { close(s.deadline) })
	return nil
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	written chan struct{} // closed and replaced at every write
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.written != nil {
		close(b.written)
		b.written = nil
	}
	return b.buf.Write(p)
}

// waitFor returns the contents once they are at least n bytes long, or
// when d has passed.
func (b *syncBuffer) waitFor(n int, d time.Duration) string {
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

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// serverForArgs builds the server the sigrpc flags in args describe.
func serverForArgs(t *testing.T, args []string) *Server {
	t.Helper()
	var opts Options
	policy := signal.Policy{Self: os.Getpid()}
	for i := 0; i < len(args); i++ {
		var err error
		switch args[i] {
		case "--framing":
			i++
			opts.Framing, err = ParseFraming(args[i])
		case "--max-message-bytes":
			i++
			opts.MaxMessageBytes, err = strconv.ParseInt(args[i], 10, 64)
		case "--allow-groups":
			policy.AllowGroups = true
		case "--allow-uid":
			i++
			var uid int
			uid, err = strconv.Atoi(args[i])
			policy.AllowUIDs = append(policy.AllowUIDs, uid)
		case "--descendants-only":
			var parent *signal.Process
			parent, err = signal.Open(os.Getppid())
			policy.DescendantsOf = parent
		default:
			t.Fatalf("vector uses flag %q, which this runner does not know", args[i])
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return NewServer(Methods(signal.NewKiller(policy)), opts)
}
