package signal

import (
	"context"
	"errors"
	"time"

	"golang.org/x/sys/unix"
)

// WaitGone blocks until process pid has terminated (a zombie counts as
// terminated) or ctx is done, when it returns ctx.Err(). It works for any
// process, not only children. On Linux it polls a pidfd; elsewhere, or
// where pidfds are unavailable, it polls kill(pid, 0) with backoff.
func WaitGone(ctx context.Context, pid int) error {
	return waitGone(ctx, pid)
}

// waitGonePolling is the portable WaitGone: it checks every so often,
// backing off from 1 ms to 100 ms, whether pid still exists.
func waitGonePolling(ctx context.Context, pid int) error {
	delay := time.Millisecond
	for {
		if gone(pid) {
			return nil
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		delay = min(delay*2, 100*time.Millisecond)
	}
}

// gone reports whether pid no longer exists or is a zombie.
func gone(pid int) bool {
	return errors.Is(unix.Kill(pid, 0), unix.ESRCH) || isZombie(pid)
}
