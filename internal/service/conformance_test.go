package service

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sigrpc/sigrpc/internal/conformance"
	"github.com/sigrpc/sigrpc/internal/schemacheck"
	"github.com/sigrpc/sigrpc/internal/testio"
	"github.com/sigrpc/sigrpc/rpc"
	"github.com/sigrpc/sigrpc/sigctl"
)

// TestConformance runs the shared vectors through an in-process server
// with the real method table. The vectors only signal pids that cannot
// exist or that the policy refuses.
func TestConformance(t *testing.T) {
	conformance.Runner{Exchange: exchange, Check: resultChecker(t)}.Run(t, "../../rpc/testdata/conformance.json")
}

// exchange serves input in process, on a reader that stalls once it is
// read, as a client that keeps its end open does, until End.
func exchange(t *testing.T, args []string, input string) conformance.Server {
	s := &inProcess{in: testio.NewStallingReader(input), out: &testio.SyncBuffer{}, served: make(chan error, 1)}
	srv := serverForArgs(t, args)
	go func() { s.served <- srv.Serve(context.Background(), s.in, s.out) }()
	t.Cleanup(func() { s.End() })
	return s
}

// inProcess is a server of exchange's.
type inProcess struct {
	in     *testio.StallingReader
	out    *testio.SyncBuffer
	served chan error
	err    error
	ended  bool
}

// Output waits for the server to ask for more input (no answer may wait
// for it), then for n bytes of output.
func (s *inProcess) Output(n int, d time.Duration) string {
	select {
	case <-s.in.Stalled:
	case <-time.After(d):
		return s.out.String()
	}
	return s.out.WaitFor(n, d)
}

func (s *inProcess) End() (string, error) {
	if !s.ended {
		s.ended = true
		s.in.End()
		select {
		case s.err = <-s.served:
		case <-time.After(10 * time.Second):
			s.err = errors.New("Serve did not return within 10 s of the end of input")
		}
	}
	return s.out.String(), s.err
}

// serverForArgs builds the server the sigrpc flags in args describe.
func serverForArgs(t *testing.T, args []string) *rpc.Server {
	t.Helper()
	var opts rpc.Options
	policy := sigctl.Policy{Self: os.Getpid()}
	for i := 0; i < len(args); i++ {
		var err error
		switch args[i] {
		case "--framing":
			i++
			opts.Framing, err = rpc.ParseFraming(args[i])
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
			var parent *sigctl.Process
			parent, err = sigctl.Open(os.Getppid())
			policy.DescendantsOf = parent
		default:
			t.Fatalf("vector uses flag %q, which this runner does not know", args[i])
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	opts.Busy = Busy()
	return rpc.NewServer(Methods(sigctl.NewController(policy)), opts)
}

// resultChecker returns a conformance check that holds each result to
// the schema the in-process rpc.discover publishes for its method.
func resultChecker(t *testing.T) func(*testing.T, string, json.RawMessage) {
	var out bytes.Buffer
	srv := rpc.NewServer(Methods(nil), rpc.Options{Framing: rpc.FramingNDJSON})
	if err := srv.Serve(context.Background(), strings.NewReader(schemacheck.DiscoverRequest), &out); err != nil {
		t.Fatal(err)
	}
	c, err := schemacheck.FromAnswer(out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return func(t *testing.T, method string, result json.RawMessage) {
		t.Helper()
		if err := c.Check(method, result); err != nil {
			t.Error(err)
		}
	}
}
