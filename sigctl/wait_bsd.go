//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package sigctl

import (
	"context"
	"time"
)

// waitGone polls: pidfds are Linux only.
func waitGone(ctx context.Context, pid int) error {
	return waitGonePolling(ctx, pid, time.Time{})
}

// isZombie is false here: without /proc a zombie cannot be told apart
// cheaply, and kill(pid, 0) to it succeeds, so it counts as gone only
// once reaped.
func isZombie(int) bool { return false }
