package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/sigrpc/sigrpc/signal"
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
func watchParent(ctx context.Context, cancel context.CancelFunc) (*signal.Process, func(), error) {
	ppid := os.Getppid()
	switch ppid {
	case 0:
		return nil, func() {}, errors.New("the parent process is outside this pid namespace (parent pid 0)")
	case 1:
		return nil, func() {}, errors.New("the parent process is init (parent pid 1): sigrpc was started by it, or its launcher exited before it started")
	}
	parent, err := signal.Open(ppid)
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
