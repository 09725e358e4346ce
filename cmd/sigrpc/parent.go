package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/sigrpc/sigrpc/sigctl"
)

// watchParent opens a handle on the process that started sigrpc (the
// client) and cancels the session through cancel when it exits, even if
// something else still holds stdin open. It returns the handle, for
// --descendants-only, and a release function to call when the session is
// over, after every use of the handle.
//
// Where there is no parent to know, it returns a nil handle and an error
// saying why: a parent pid of 0 (sigrpc was entered into a pid namespace
// from outside, as nsenter and docker exec do) or 1 (started by init, or
// orphaned before it started). Nothing is watched then, and the session
// ends with its input or a signal. A parent that is gone already cancels
// the session at once, as its death would have.
//
// If want is not 0, the parent must be process want, the client that
// started sigrpc and said so; any other parent is an error. That is the
// only way to know that sigrpc was not adopted (by init or a subreaper)
// because its client exited before sigrpc started.
func watchParent(ctx context.Context, cancel context.CancelFunc, want int) (*sigctl.Process, func(), error) {
	ppid := os.Getppid()
	switch {
	case ppid == 0:
		return nil, func() {}, errors.New("the parent process is outside this pid namespace (parent pid 0)")
	case want != 0 && ppid != want:
		return nil, func() {}, fmt.Errorf("the parent process is %d, not %d: the client exited and sigrpc was adopted, or something between them started it", ppid, want)
	case ppid == 1:
		return nil, func() {}, errors.New("the parent process is init (parent pid 1): sigrpc was started by it, or its launcher exited before it started")
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
		return nil, func() {}, fmt.Errorf("the parent process %d is gone (%v)", ppid, err)
	}
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		if parent.Wait(ctx) {
			cancel()
		}
	}()
	release := func() {
		cancel()
		<-watched
		parent.Close()
	}
	return parent, release, nil
}
