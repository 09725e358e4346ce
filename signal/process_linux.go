package signal

import (
	"context"
	"errors"
	"syscall"

	"golang.org/x/sys/unix"
)

// openProcess opens a pidfd on pid, or, if usePidfd is false or the
// kernel has no pidfd_open (before 5.3), checks with kill(pid, 0) and
// keeps the bare pid. The pidfd is opened without flags: PIDFD_NONBLOCK
// would fail with EINVAL before Linux 5.10, and poll does not need it.
func openProcess(pid int, usePidfd bool) (*Process, error) {
	if pid <= 0 {
		return nil, &OSError{Errno: unix.EINVAL}
	}
	if usePidfd {
		fd, err := unix.PidfdOpen(pid, 0)
		if err == nil {
			return &Process{pid: pid, fd: fd}, nil
		}
		if !errors.Is(err, unix.ENOSYS) {
			return nil, AsOSError(err)
		}
	}
	if err := unix.Kill(pid, 0); err != nil && !errors.Is(err, unix.EPERM) {
		return nil, AsOSError(err)
	}
	return &Process{pid: pid, fd: -1}, nil
}

// Close releases the handle.
func (p *Process) Close() error {
	if p.fd < 0 {
		return nil
	}
	fd := p.fd
	p.fd = -1
	return unix.Close(fd)
}

// signal sends sig through the pidfd when there is one, else with kill(2).
func (p *Process) signal(sig Number) error {
	if p.fd >= 0 {
		return unix.PidfdSendSignal(p.fd, syscall.Signal(sig), nil, 0)
	}
	return unix.Kill(p.pid, syscall.Signal(sig))
}

// Exited reports, without waiting, whether the process has terminated (a
// zombie counts).
func (p *Process) Exited() bool {
	if p.fd < 0 {
		return gone(p.pid)
	}
	fds := []unix.PollFd{{Fd: int32(p.fd), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, 0)
	return err == nil && n > 0 && fds[0].Revents&unix.POLLIN != 0
}

// wait blocks until the process has terminated or ctx is done.
func (p *Process) wait(ctx context.Context) error {
	if p.fd < 0 {
		return waitGonePolling(ctx, p.pid)
	}
	return pollPidfd(ctx, p.fd, p.pid)
}
