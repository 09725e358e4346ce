//go:build linux

package main

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sigrpc/sigrpc/internal/spawn"
)

// The late start (see lateStart) defers what only a session that lasts
// needs. These tests show that a session that lasts still gets all of it,
// and that the checks it does not defer hold before any request is read.

// waitCaught waits, for at most 10 s, until the helper h, started with
// --log-level debug, says that it catches every stop signal.
// (/proc/PID/status cannot tell: Go's runtime has a handler for each of
// them from the start, which ends the helper unless it asked for them.)
func waitCaught(t *testing.T, h *spawn.Proc) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); !strings.Contains(h.Stderr.String(), "every stop signal is caught"); time.Sleep(time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("the helper does not catch every stop signal 10 s on; stderr %q", h.Stderr)
		}
	}
}

// TestQuitWhileIdleStopsInOrder: a session that waits for its client, for
// its first request or for the next one, lasts: it catches every stop
// signal (and watches its parent and the reader of its stdout), and QUIT,
// a stop signal caught late, ends it in order (exit 0), not by QUIT's
// default action.
func TestQuitWhileIdleStopsInOrder(t *testing.T) {
	for _, requests := range []int{0, 1} {
		t.Run(fmt.Sprintf("after %d requests", requests), func(t *testing.T) {
			t.Parallel()
			h := startHelper(t, "--log-level", "debug")
			if requests > 0 {
				if got := h.Call(t, `{"jsonrpc":"2.0","id":1,"method":"signum","params":["QUIT"]}`); got != `{"jsonrpc":"2.0","id":1,"result":3}` {
					t.Fatalf("got %s", got)
				}
			}
			waitCaught(t, h)
			h.Signal(syscall.SIGQUIT)
			if ps := h.Wait(t); ps.ExitCode() != exitOK {
				t.Fatalf("ended with %v after QUIT, want exit status 0; stderr %q", ps, h.Stderr)
			}
		})
	}
}

// TestGoneReaderAtStartSendsNothing: a helper whose stdout nobody can
// read when it starts reads no request, so the kill waiting on its stdin
// is never sent, and exits 1. The watch on the reader begins late; the
// check does not.
func TestGoneReaderAtStartSendsNothing(t *testing.T) {
	t.Parallel()
	c := spawn.Sleep(t, false)
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(inW, killRequest(c.Pid, "TERM"))
	inW.Close()
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outR.Close() // nobody reads
	h := spawn.Start(t, spawn.Options{Stdin: inR, Stdout: outW}, binPath)
	if code := waitExit(t, h); code != exitFailure {
		t.Fatalf("exit status %d, want %d; stderr %q", code, exitFailure, h.Stderr)
	}
	if !strings.Contains(h.Stderr.String(), "nobody reads") {
		t.Errorf("stderr %q does not say why", h.Stderr)
	}
	c.AssertUntouched(t)
}
