package rpc

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/sigrpc/sigrpc/internal/testio"
)

// TestNothingIsWrittenAfterServeReturns: a reader blocked in Read when the
// session is cancelled may still get input afterwards (Serve cannot
// interrupt every reader); what it reads is neither dispatched nor
// answered, not even a frame error.
func TestNothingIsWrittenAfterServeReturns(t *testing.T) {
	inR, inW := io.Pipe()
	defer inW.Close()
	out := &testio.SyncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	srv := NewServer(testMethods(nil, nil), Options{Framing: FramingLSP})
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, inR, out) }()
	io.WriteString(inW, fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(call(1, "echo", "[1]")), call(1, "echo", "[1]")))
	if got := out.WaitFor(1, 5*time.Second); !strings.Contains(got, `"result":1`) {
		t.Fatalf("no answer before the cancel: %q", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	before := out.String()
	// The reader is still blocked in Read; a broken header reaches it now.
	io.WriteString(inW, "garbage\r\n")
	time.Sleep(50 * time.Millisecond) // nothing to wait for: nothing may happen
	if after := out.String(); after != before {
		t.Fatalf("written after Serve returned: %q", after[len(before):])
	}
}
