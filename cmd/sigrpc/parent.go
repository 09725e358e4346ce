package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/sigrpc/sigrpc/sigctl"
)

// openParent opens a handle on the process that started sigrpc (the
// client), for --descendants-of and --descendants-only, and for
// watchParent to end the session when it exits, even if something else
// still holds stdin open. Close the handle when the session is over,
// after every use of it.
//
// Where there is no parent to know, it returns a nil handle and an error
// saying why: a parent pid of 0 (sigrpc was entered into a pid namespace
// from outside, as nsenter and docker exec do) or 1 (started by init, or
// orphaned before it started). Nothing is watched then, and the session
// ends with its input or a signal. A parent that is gone already, or
// exits as sigrpc starts, cancels the session through cancel at once, as
// its death would have: the helper then reads no request.
//
// If want is not 0, the parent must be process want, the client that
// started sigrpc and said so; any other parent is an error. That is the
// only way to know that sigrpc was not adopted (by init or a subreaper)
// because its client exited before sigrpc started.
func openParent(cancel context.CancelFunc, want int) (*sigctl.Process, error) {
	ppid := os.Getppid()
	switch {
	case ppid == 0:
		return nil, errors.New("the parent process is outside this pid namespace (parent pid 0)")
	case want != 0 && ppid != want:
		return nil, fmt.Errorf("the parent process is %d, not %d: the client exited and sigrpc was adopted, or something between them started it", ppid, want)
	case ppid == 1:
		return nil, errors.New("the parent process is init (parent pid 1): sigrpc was started by it, or its launcher exited before it started")
	}
	parent, err := sigctl.Open(ppid)
	if err == nil && os.Getppid() != ppid {
		// The parent exited between getppid and the open, and a process
		// that reused its pid may have been opened instead.
		parent.Close()
		err = errors.New("it exited as sigrpc started")
	}
	if err != nil {
		cancel()
		return nil, fmt.Errorf("the parent process %d is gone (%v)", ppid, err)
	}
	if parent.Exited() {
		cancel() // it exited after the check above: the handle still serves the policy
	}
	return parent, nil
}

// watchParent cancels the session through cancel when parent exits. It
// returns a function that ends the watch (cancelling the session) and
// returns once the watch no longer uses the handle. A parent that exited
// before the watch began is seen at once: its pidfd stays readable.
func watchParent(ctx context.Context, cancel context.CancelFunc, parent *sigctl.Process) (stop func()) {
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		if parent.Wait(ctx) {
			cancel()
		}
	}()
	return func() {
		cancel()
		<-watched
	}
}
