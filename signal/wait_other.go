//go:build !linux

package signal

import "context"

// waitGone polls: pidfds are Linux only.
func waitGone(ctx context.Context, pid int) error {
	return waitGonePolling(ctx, pid)
}

// isZombie is false outside Linux: kill(pid, 0) to a zombie succeeds
// there, so a zombie counts as gone only once reaped.
func isZombie(int) bool { return false }
