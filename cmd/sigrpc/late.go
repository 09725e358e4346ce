package main

import (
	"context"
	"sync"
	"time"

	"github.com/sigrpc/sigrpc/sigctl"
)

// lateStartDelay is how long a session serves before its late start (see
// lateStart) where its stdio cannot show that it lasts (see
// lastingStdio), unless a call that can last brings it sooner (see
// lateCalls): longer than a one-shot run takes from start to exit, even
// on a loaded machine, and short enough that the watches it starts still
// end a session promptly.
const lateStartDelay = 5 * time.Millisecond

// lateStart is the part of the helper's start that only a session that
// lasts needs: catching the stop signals (a round trip to Go's signal
// thread each, about thirty of them, and two threads started by the
// first), and the goroutines that watch the parent and the reader of
// stdout. It begins once the session shows that it lasts: it waits for
// input, reads input a second time, has a write that could wait for room
// (see lastingStdio), or makes a call that can last (see lateCalls). A
// one-shot run (`echo '{...}' | sigrpc`) does none of these, and so pays
// for none of it.
//
// Nothing it defers is a check. Every check runs at start, before a
// request is read: stdio, the parent (gone already, or not the client
// --descendants-of names), the audit log, and whether stdout's reader
// is gone already; a session stopped by then reads nothing. The watches
// begin before the helper first waits for its client, to write or to
// read, and see at once an exit or a hang-up that came before them (a
// pidfd stays readable, a hang-up is reported until the descriptor
// closes). A call that can last waits for SIGTERM and SIGINT to be
// caught (lateCalls), and a tree call, the only call that stops
// processes, for every stop signal (treesAfter).
type lateStart struct {
	mu      sync.Mutex
	starts  []func() (stop func())
	stops   []func()
	started bool
	ended   bool
	timer   *time.Timer
}

// Add adds a step: start runs at the late start, or at once if it has
// come, and the function it returns, if not nil, at End. Steps start in
// the order they were added, under a lock: each must return quickly,
// leaving what takes long to goroutines of its own.
func (l *lateStart) Add(start func() (stop func())) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.ended:
	case l.started:
		l.run(start)
	default:
		l.starts = append(l.starts, start)
	}
}

// StartAfter begins the late start after d, unless Start or End comes
// first.
func (l *lateStart) StartAfter(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.started && !l.ended {
		l.timer = time.AfterFunc(d, l.Start)
	}
}

// Start begins the late start: every step added starts, once, unless End
// has come.
func (l *lateStart) Start() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.started || l.ended {
		return
	}
	l.started = true
	for _, start := range l.starts {
		l.run(start)
	}
	l.starts = nil
}

func (l *lateStart) run(start func() (stop func())) {
	if stop := start(); stop != nil {
		l.stops = append(l.stops, stop)
	}
}

// End starts nothing more, and stops every step that started, the last
// one first.
func (l *lateStart) End() {
	l.mu.Lock()
	l.ended = true
	stops := l.stops
	l.stops, l.starts = nil, nil
	if l.timer != nil {
		l.timer.Stop()
	}
	l.mu.Unlock()
	for i := len(stops) - 1; i >= 0; i-- {
		stops[i]()
	}
}

// lateCalls is the helper's Controller: treesAfter, whose calls that can
// last (a tree call, a wait, a terminate that waits) begin the late start,
// and begin once SIGTERM and SIGINT are
// caught (caught is closed), so that a stop signal, the parent's death or
// the loss of stdout's reader cancels them from the start.
type lateCalls struct {
	treesAfter
	late   *lateStart
	caught <-chan struct{}
}

// Wait is treesAfter.Wait, after the late start's first step if it waits.
func (c lateCalls) Wait(ctx context.Context, pid int, timeout time.Duration) (bool, error) {
	if timeout > 0 {
		if err := c.start(ctx); err != nil {
			return false, err
		}
	}
	return c.treesAfter.Wait(ctx, pid, timeout)
}

// Terminate is treesAfter.Terminate, after the late start's first step
// with opts.Tree (whose stop pass waits for the rest: see treesAfter) or
// a wait.
func (c lateCalls) Terminate(ctx context.Context, t sigctl.Target, opts sigctl.TerminateOptions) (sigctl.Termination, error) {
	if opts.Tree || opts.Timeout > 0 || opts.EscalateTimeout > 0 {
		if err := c.start(ctx); err != nil {
			return sigctl.Termination{}, err
		}
	}
	return c.treesAfter.Terminate(ctx, t, opts)
}

// start begins the late start and waits until SIGTERM and SIGINT are
// caught, or ctx ends.
func (c lateCalls) start(ctx context.Context) error {
	c.late.Start()
	select {
	case <-c.caught:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
