package sigctl

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/sigrpc/sigrpc/internal/proctest"
)

// These tests hold a tree call in the middle of its stop pass, with the
// root stopped and the next member not yet, through the walk step hook
// (testHooks.onWalkStep, which runs in every check under
// --descendants-only, the test process as the client), and end the call
// from outside: by Controller.Close, as the helper's shutdown does, or by
// its ctx.

// heldTreeCall is a Terminate with Tree held in the check of the root's
// first child, before that child's STOP.
type heldTreeCall struct {
	done    chan error    // the call's error, once it returns
	release chan struct{} // closed to let the call go on
}

// holdTreeCall starts a Terminate with Tree of tr on k, whose policy must
// be --descendants-only, and returns once the call is held with the root
// stopped.
func holdTreeCall(t *testing.T, ctx context.Context, k *Controller, tr *testTree) *heldTreeCall {
	t.Helper()
	root := tr.root.Process.Pid
	h := &heldTreeCall{done: make(chan error, 1), release: make(chan struct{})}
	reached := make(chan struct{})
	var once sync.Once
	k.hooks = &testHooks{onWalkStep: func(child, _ int) {
		if child != root {
			once.Do(func() { close(reached); <-h.release })
		}
	}}
	t.Cleanup(func() {
		h.unblock()
		select {
		case <-h.done:
		case <-time.After(30 * time.Second):
			t.Error("the tree call did not return")
		}
	})
	go func() {
		_, err := k.Terminate(ctx, Target{PID: root}, treeOpts)
		h.done <- err
	}()
	select {
	case <-reached:
	case <-time.After(10 * time.Second):
		t.Fatal("the tree call never reached the check of a second member")
	}
	waitForState(t, root, "T")
	return h
}

// unblock lets the held call go on; it may be called more than once.
func (h *heldTreeCall) unblock() {
	select {
	case <-h.release:
	default:
		close(h.release)
	}
}

// result unblocks the call and returns its error.
func (h *heldTreeCall) result(t *testing.T) error {
	t.Helper()
	h.unblock()
	select {
	case err := <-h.done:
		h.done <- err // for the cleanup
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("the tree call did not return")
		return nil
	}
}

// waitForState waits until pid is in state, or fails the test after 10 s.
func waitForState(t *testing.T, pid int, state string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); proctest.State(pid) != state; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("process %d is in state %q, want %s", pid, proctest.State(pid), state)
		}
	}
}

// stoppedOf returns the pids in state T.
func stoppedOf(pids []int) []int {
	var stopped []int
	for _, pid := range pids {
		if proctest.State(pid) == "T" {
			stopped = append(stopped, pid)
		}
	}
	return stopped
}

// clientController returns a Controller whose policy is
// --descendants-only with the test process as the client.
func clientController(t *testing.T) *Controller {
	t.Helper()
	client, err := Open(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return NewController(Policy{DescendantsOf: client})
}

// TestCloseContinuesWhatATreeCallStopped: Close, called while a tree call
// is in its stop pass, continues every member the call stopped before
// returning; the call then stops nothing more, ends with ErrClosed and
// has signalled nothing.
func TestCloseContinuesWhatATreeCallStopped(t *testing.T) {
	tr := startTree(t, smallTree, 5, 3)
	k := clientController(t)
	h := holdTreeCall(t, context.Background(), k, tr)
	if err := k.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	if stopped := stoppedOf(tr.pids); len(stopped) > 0 {
		t.Errorf("processes %v are stopped after Close returned", stopped)
	}
	if err := h.result(t); !errors.Is(err, ErrClosed) {
		t.Errorf("the tree call = %v, want ErrClosed", err)
	}
	assertRunning(t, tr.pids)
}

// TestTreeCallEndsWithItsContext: a tree call whose ctx is cancelled in
// its stop pass stops nothing more, continues what it stopped, signals
// nothing and returns ctx.Err().
func TestTreeCallEndsWithItsContext(t *testing.T) {
	tr := startTree(t, smallTree, 5, 3)
	k := clientController(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h := holdTreeCall(t, ctx, k, tr)
	cancel()
	if err := h.result(t); !errors.Is(err, context.Canceled) {
		t.Errorf("the tree call = %v, want context.Canceled", err)
	}
	assertRunning(t, tr.pids)
}

// TestClosedControllerStopsNothing: after Close, a tree call fails with
// ErrClosed without a signal sent, STOP included; the rest of the
// Controller goes on working.
func TestClosedControllerStopsNothing(t *testing.T) {
	tr := startTree(t, smallTree, 5, 3)
	before := switchesOf(t, tr.pids)
	k := NewController(Policy{})
	k.Close()
	if _, err := k.Terminate(context.Background(), Target{PID: tr.root.Process.Pid}, treeOpts); !errors.Is(err, ErrClosed) {
		t.Errorf("Terminate(tree) after Close = %v, want ErrClosed", err)
	}
	assertUntouched(t, tr.pids, before)
	if kids, err := k.Children(tr.root.Process.Pid, true); err != nil || len(kids) != 4 {
		t.Errorf("Children after Close = %+v, %v", kids, err)
	}
	cmd := startSleep(t)
	if err := k.Kill(Target{PID: cmd.Process.Pid}, Signum(15)); err != nil {
		t.Errorf("Kill after Close = %v", err)
	}
}
