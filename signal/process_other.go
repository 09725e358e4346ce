//go:build !linux

package signal

import (
	"context"
	"errors"
	"syscall"

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

// Close releases the handle.
func (p *Process) Close() error { return nil }

// Signal sends sig to the pid with kill(2).
func (p *Process) Signal(sig Number) error {
	return AsOSError(unix.Kill(p.pid, syscall.Signal(sig)))
}

// Info is unsupported outside Linux.
func (p *Process) Info() (Info, error) { return Info{}, ErrUnsupported }

// Exited reports, without waiting, whether the process has terminated.
func (p *Process) Exited() bool { return gone(p.pid) }

func (p *Process) wait(ctx context.Context) error { return waitGonePolling(ctx, p.pid) }
