package main

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// stopper turns every signal that would otherwise end the helper into an
// orderly stop, so that no path out of the helper skips the work that
// must come before it exits (continuing the processes a tree call
// stopped).
//
// The first such signal cancels Context: the helper stops reading,
// cancels its blocking calls and writes what it owes. A second one ends
// the helper at once, killed by that signal as the default action would
// have, but only after the function given to BeforeForcedExit has run.
// SIGPIPE is ignored, so that a closed stdout surfaces as a write error
// rather than a silent death. SIGKILL, and SIGSTOP, cannot be caught: no
// code covers them.
type stopper struct {
	ctx    context.Context
	cancel context.CancelFunc
	sigs   chan os.Signal
	done   chan struct{} // closed by Stop
	exited chan struct{} // closed when the watching goroutine returns

	mu     sync.Mutex
	before func()
}

// stopOnSignals starts catching the stop signals.
func stopOnSignals() *stopper {
	ignoreUncatchable()
	signal.Ignore(syscall.SIGPIPE)
	ctx, cancel := context.WithCancel(context.Background())
	s := &stopper{
		ctx:    ctx,
		cancel: cancel,
		sigs:   make(chan os.Signal, 1),
		done:   make(chan struct{}),
		exited: make(chan struct{}),
	}
	signal.Notify(s.sigs, stopSignals...)
	go s.watch()
	return s
}

// Context is cancelled by the first stop signal, or by Cancel.
func (s *stopper) Context() context.Context { return s.ctx }

// Cancel stops the helper as the first stop signal would.
func (s *stopper) Cancel() { s.cancel() }

// BeforeForcedExit sets f to run before a second stop signal ends the
// helper. f must be safe to call concurrently with everything else.
func (s *stopper) BeforeForcedExit(f func()) {
	s.mu.Lock()
	s.before = f
	s.mu.Unlock()
}

// Stop stops catching signals and cancels Context. Signals that come
// after it take their default action.
func (s *stopper) Stop() {
	s.cancel()
	close(s.done)
	<-s.exited
	signal.Stop(s.sigs)
}

// watch waits for stop signals until Stop.
func (s *stopper) watch() {
	defer close(s.exited)
	for first := true; ; first = false {
		select {
		case <-s.done:
			return
		case sig := <-s.sigs:
			if first {
				s.cancel()
				continue
			}
			s.forceExit(sig.(syscall.Signal))
		}
	}
}

// forceExit runs the BeforeForcedExit function, then ends the helper by
// sig's default action (exit status 1 if that action would not end it).
func (s *stopper) forceExit(sig syscall.Signal) {
	s.mu.Lock()
	before := s.before
	s.mu.Unlock()
	if before != nil {
		before()
	}
	signal.Reset(sig)
	syscall.Kill(os.Getpid(), sig) // policy does not apply: this is the helper
	time.Sleep(time.Second)        // the signal is delivered asynchronously
	os.Exit(exitFailure)
}
