package service

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sigrpc/sigrpc/internal/conformance"
	"github.com/sigrpc/sigrpc/internal/testio"
	"github.com/sigrpc/sigrpc/rpc"
	"github.com/sigrpc/sigrpc/sigctl"
)

// TestConformance runs the shared vectors through an in-process server
// with the real method table. The vectors only signal pids that cannot
// exist or that the policy refuses.
func TestConformance(t *testing.T) {
	cases, err := conformance.Load("../../rpc/testdata/conformance.json")
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
			in := testio.NewStallingReader(run.Input)
			out := &testio.SyncBuffer{}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- srv.Serve(ctx, in, out) }()
			<-in.Stalled // the server asks for more input: no answer may wait for it
			if got := out.WaitFor(len(run.Output), time.Second); got != run.Output {
				t.Errorf("with the input still open\ninput  %q\ngot    %q\nwant   %q", run.Input, got, run.Output)
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("Serve: %v", err)
			}
		})
	}
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
