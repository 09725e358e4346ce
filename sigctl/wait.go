package sigctl

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// WaitGone blocks until process pid has terminated or ctx is done, when
// it returns ctx.Err(). A pid with no process has terminated, and so,
// where the system can tell, has a zombie (exited but not yet reaped). It
// works for any process, not only children. On Linux it polls a pidfd;
// elsewhere, or where pidfds are unavailable, it polls kill(pid, 0) with
// backoff. A pid that is not positive is an error wrapping an *OSError
// with EINVAL: kill(2) would read it as a process group.
func WaitGone(ctx context.Context, pid int) error {
	if pid <= 0 {
		return fmt.Errorf("wait for pid %d: %w", pid, &OSError{Errno: unix.EINVAL})
	}
	return waitGone(ctx, pid)
}

// Backoff bounds for waitGonePolling.
const (
	minPollDelay = time.Millisecond
	maxPollDelay = 100 * time.Millisecond
)

// waitGonePolling is the portable wait: it checks whether pid is gone,
// waiting between checks from minPollDelay, doubling up to maxPollDelay,
// until ctx is done or the deadline, unless zero, has passed.
func waitGonePolling(ctx context.Context, pid int, deadline time.Time) error {
	t := time.NewTimer(maxPollDelay) // Reset below sets each delay
	defer t.Stop()
	for delay := minPollDelay; !gone(pid); delay = min(delay*2, maxPollDelay) {
		if !deadline.IsZero() {
			left := time.Until(deadline)
			if left <= 0 {
				return errWaitTimeout
			}
			delay = min(delay, left)
		}
		t.Reset(delay)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// gone reports whether pid no longer exists or, on Linux, is a zombie.
func gone(pid int) bool {
	return errors.Is(unix.Kill(pid, 0), unix.ESRCH) || isZombie(pid)
}
