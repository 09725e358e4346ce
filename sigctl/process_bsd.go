//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package sigctl

import (
	"context"
	"errors"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// openProcess checks with kill(pid, 0) and keeps the bare pid: there are
// no pidfds here.
func openProcess(pid int, _ bool) (*Process, error) {
	if pid <= 0 {
		return nil, &OSError{Errno: unix.EINVAL}
	}
	if err := unix.Kill(pid, 0); err != nil && !errors.Is(err, unix.EPERM) {
		return nil, AsOSError(err)
	}
	return &Process{pid: pid, fd: -1}, nil
}

// Close releases the handle, which holds nothing here.
func (p *Process) Close() error { return nil }

// signal sends sig to the pid with kill(2).
func (p *Process) signal(sig Signum) error {
	return unix.Kill(p.pid, syscall.Signal(sig))
}

// Exited reports, without waiting, whether the process has terminated.
// A zombie is still there until it is reaped.
func (p *Process) Exited() bool { return gone(p.pid) }

// wait blocks until the process has gone or ctx is done.
func (p *Process) wait(ctx context.Context, deadline time.Time) error {
	return waitGonePolling(ctx, p.pid, deadline)
}
