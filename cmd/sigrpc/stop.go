package main

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/sigrpc/sigrpc/sigctl"
)

// stopper turns every signal that would otherwise end the helper into an
// orderly stop, so that no path out of the helper skips the work that
// must come before it exits (continuing the processes a tree call
// stopped).
//
// Registering a signal with Go's runtime costs a round trip to the thread
// that owns the signal mask, and the first registration starts that
// thread and the one that receives signals: in a one-shot run, more than
// all the rest of its work. So the stop signals are caught by
// CatchTheRest, which the helper calls when a session lasts (see
// lateStart) or, with --audit, before it reads a request: SIGTERM and
// SIGINT first (Caught is closed then), then the others (about thirty on
// Linux, most of them real-time signals; Ready is closed once every one
// is caught). A call that can last waits for Caught before it begins (see
// lateCalls), and a tree call for Ready (see treesAfter), so that a stop
// signal cancels it rather than ending the helper by its default action;
// before that, such a signal can only cut short a call that does not
// wait, and nothing is left stopped.
//
// The first stop signal cancels Context: the helper stops reading,
// cancels its blocking calls and writes what it owes. A second one ends
// the helper at once, killed by that signal as the default action would
// have, but only after the function given to BeforeForcedExit has run.
// SIGPIPE is ignored, so that a closed stdout surfaces as a write error
// rather than a silent death. SIGKILL, and SIGSTOP, cannot be caught: no
// code covers them.
//
// SIGHUP is not a stop signal: it runs the function given to OnHangup
// (reopening the audit log, as syslog daemons do after a rotation), and
// is otherwise ignored. It is caught with the rest, or by OnHangup.
type stopper struct {
	ctx    context.Context
	cancel context.CancelFunc
	sigs   chan os.Signal
	hups   chan os.Signal
	caught chan struct{} // closed once SIGTERM and SIGINT are caught
	ready  chan struct{} // closed once every stop signal is caught
	done   chan struct{} // closed by Stop

	mu       sync.Mutex
	before   func()
	hangup   func()
	onReady  func()
	watching chan struct{} // closed when the watching goroutines return; nil until they start
	rest     chan struct{} // closed when CatchTheRest's goroutine returns; nil until it starts
	stopped  bool          // Stop has begun: nothing more starts
}

// stopOnSignals ignores SIGPIPE and the signals nothing may catch, and
// returns a stopper that catches the stop signals from CatchTheRest on.
// Its goroutines start with the first signal it catches: a goroutine
// started at once wakes Go's scheduler on another CPU, which a one-shot
// run would pay for and never use.
func stopOnSignals() *stopper {
	ignoreUncatchable()
	signal.Ignore(syscall.SIGPIPE)
	ctx, cancel := context.WithCancel(context.Background())
	s := &stopper{
		ctx:    ctx,
		cancel: cancel,
		sigs:   make(chan os.Signal, 4), // a second signal must not be dropped while the first is handled
		hups:   make(chan os.Signal, 1), // hangups that come while one is handled are one
		caught: make(chan struct{}),
		ready:  make(chan struct{}),
		done:   make(chan struct{}),
	}
	return s
}

// startWatching starts the goroutines that handle caught signals, once.
// s.mu is held.
func (s *stopper) startWatching() {
	if s.watching != nil {
		return
	}
	s.watching = make(chan struct{})
	hangups := make(chan struct{})
	go func() { defer close(hangups); s.watchHangups() }()
	go func() { s.watch(); <-hangups; close(s.watching) }()
}

// Caught is closed once SIGTERM and SIGINT are caught.
func (s *stopper) Caught() <-chan struct{} { return s.caught }

// CatchTheRest starts catching the stop signals, and SIGHUP, on a
// goroutine, unless it has already or Stop has begun: SIGTERM and SIGINT
// first, then Caught is closed; then the rest, then Ready is closed. Stop
// ends the goroutine between two signals.
func (s *stopper) CatchTheRest() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rest != nil || s.stopped {
		return
	}
	s.startWatching()
	rest := make(chan struct{})
	s.rest = rest
	go func() {
		defer close(rest)
		if !s.catch(s.sigs, syscall.SIGTERM) || !s.catch(s.sigs, syscall.SIGINT) {
			return
		}
		close(s.caught)
		if !s.catch(s.hups, syscall.SIGHUP) {
			return
		}
		for _, sig := range stopSignals {
			if !s.catch(s.sigs, sig) {
				return
			}
		}
		close(s.ready)
		s.mu.Lock()
		f := s.onReady
		s.mu.Unlock()
		if f != nil {
			f()
		}
	}()
}

// OnReady sets f to run once every stop signal is caught, just after
// Ready is closed.
func (s *stopper) OnReady(f func()) {
	s.mu.Lock()
	s.onReady = f
	s.mu.Unlock()
}

// catch catches sig on c, unless Stop has begun; it reports whether it did.
func (s *stopper) catch(c chan<- os.Signal, sig os.Signal) bool {
	select {
	case <-s.done:
		return false
	default:
		signal.Notify(c, sig)
		return true
	}
}

// OnHangup sets f to run on each SIGHUP, on a goroutine that handles
// nothing else; without it SIGHUP is ignored. SIGHUP is caught when
// OnHangup returns, before Ready (which it is otherwise caught with).
func (s *stopper) OnHangup(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return
	}
	s.hangup = f
	s.startWatching()
	signal.Notify(s.hups, syscall.SIGHUP)
}

// watchHangups runs the OnHangup function for each SIGHUP until Stop.
func (s *stopper) watchHangups() {
	for {
		select {
		case <-s.done:
			return
		case <-s.hups:
			s.mu.Lock()
			f := s.hangup
			s.mu.Unlock()
			if f != nil {
				f()
			}
		}
	}
}

// Ready is closed once every stop signal is caught.
func (s *stopper) Ready() <-chan struct{} { return s.ready }

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

// Stop cancels Context and ends the goroutines that watch for signals and
// catch the rest of them. It is called once, as the helper exits, and
// gives no signal back to Go's runtime (signal.Stop is a round trip per
// signal, which an exiting helper need not wait for): a stop signal that
// comes after it is ignored if it was caught, and takes its default
// action if not. Ready stays open if the rest were not all caught; a
// tree call still waiting for it ends with its context, which Stop
// cancels.
func (s *stopper) Stop() {
	s.cancel()
	s.mu.Lock()
	s.stopped = true
	watching, rest := s.watching, s.rest
	s.mu.Unlock()
	close(s.done)
	if watching != nil {
		<-watching
	}
	if rest != nil {
		<-rest // at most the registration under way
	}
}

// watch waits for stop signals until Stop.
func (s *stopper) watch() {
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

// treesAfter is a Controller whose tree calls wait until ready is closed
// (or their context ends): until the stopper is ready, a signal could end
// the helper by its default action, and nothing would continue what a
// tree call had stopped.
type treesAfter struct {
	*sigctl.Controller
	ready <-chan struct{}
}

// Terminate is Controller.Terminate, after ready with opts.Tree.
func (c treesAfter) Terminate(ctx context.Context, t sigctl.Target, opts sigctl.TerminateOptions) (sigctl.Termination, error) {
	if opts.Tree {
		select {
		case <-c.ready:
		case <-ctx.Done():
			return sigctl.Termination{}, ctx.Err()
		}
	}
	return c.Controller.Terminate(ctx, t, opts)
}
