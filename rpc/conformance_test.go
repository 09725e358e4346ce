package rpc

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

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
			policy.DescendantsOf = os.Getppid()
		default:
			t.Fatalf("vector uses flag %q, which this runner does not know", args[i])
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return NewServer(Methods(signal.NewKiller(policy)), opts)
}
