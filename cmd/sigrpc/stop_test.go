package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sigrpc/sigrpc/sigctl"
)

// TestTreeCallsWaitForTheStopper: until every stop signal is caught, a
// tree call waits (here until its deadline) rather than stop anything; a
// call on one process does not wait. The pid cannot exist (above the
// kernel's largest pid_max), so a call that goes through fails at once.
func TestTreeCallsWaitForTheStopper(t *testing.T) {
	const absent = 1 << 30
	ready := make(chan struct{})
	c := treesAfter{sigctl.NewController(sigctl.Policy{}), ready}
	defer c.Close()
	call := func(tree bool) error {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := c.Terminate(ctx, sigctl.Target{PID: absent}, sigctl.TerminateOptions{Signal: 0, Tree: tree})
		return err
	}
	if err := call(true); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a tree call before the stopper is ready: %v, want it to wait until its deadline", err)
	}
	if err := call(false); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a call on one process before the stopper is ready: %v, want it to go through (ESRCH)", err)
	}
	close(ready)
	if err := call(true); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a tree call once the stopper is ready: %v, want it to go through (ESRCH)", err)
	}
}
