package sigctl

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// openProcess opens a pidfd on pid, or, if usePidfd is false or the
// kernel has no pidfd_open (before 5.3), checks with kill(pid, 0) and
// keeps the bare pid. The pidfd is opened without flags: PIDFD_NONBLOCK
// would fail with EINVAL before Linux 5.10, and poll does not need it.
//
// A thread id that is not its process's leader is not a process: kill(2)
// would signal the whole thread group, and pidfd_open refuses it (EINVAL
// before Linux 6.9, ENOENT since). Either way openProcess returns a
// *threadError naming the thread group, with pidfds or without.
func openProcess(pid int, usePidfd bool) (*Process, error) {
	if pid <= 0 {
		return nil, &OSError{Errno: unix.EINVAL}
	}
	if usePidfd {
		fd, err := unix.PidfdOpen(pid, 0)
		switch {
		case err == nil:
			return &Process{pid: pid, fd: fd}, nil
		case errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOENT):
			if tgid, ok := threadGroup(pid); ok && tgid != pid {
				return nil, &threadError{tid: pid, tgid: tgid}
			}
			return nil, &OSError{Errno: unix.ESRCH}
		case !errors.Is(err, unix.ENOSYS):
			return nil, AsOSError(err)
		}
	}
	if err := unix.Kill(pid, 0); err != nil && !errors.Is(err, unix.EPERM) {
		return nil, AsOSError(err)
	}
	if tgid, ok := threadGroup(pid); ok && tgid != pid {
		return nil, &threadError{tid: pid, tgid: tgid}
	}
	return &Process{pid: pid, fd: -1}, nil
}

// threadGroup returns the thread group (process) that task id belongs to,
// from the Tgid line of /proc/<id>/status; false if it cannot be read.
func threadGroup(id int) (int, bool) {
	status, err := os.ReadFile("/proc/" + strconv.Itoa(id) + "/status")
	if err != nil {
		return 0, false
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "Tgid:"); ok {
			tgid, err := strconv.Atoi(strings.TrimSpace(rest))
			return tgid, err == nil
		}
	}
	return 0, false
}

// Close releases the handle.
func (p *Process) Close() error {
	fd, file := p.fd, p.file
	p.fd, p.file = -1, nil
	switch {
	case file != nil:
		return file.Close()
	case fd >= 0:
		return unix.Close(fd)
	}
	return nil
}

// signal sends sig through the pidfd when there is one, else with kill(2).
func (p *Process) signal(sig Signum) error {
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
	return pollExited(p.fd)
}

// wait blocks until the process has terminated (nil), ctx is done
// (ctx.Err()) or the deadline, unless zero, has passed (errWaitTimeout).
// A pidfd polls readable once its process has terminated; the wait hands
// the pidfd to Go's runtime poller (epoll) with the deadline as a read
// deadline, so it parks only a goroutine, with no timer goroutine: a
// thousand waits need no thread each, and one fd each, the pidfd. Without
// a pidfd it polls the pid with backoff.
func (p *Process) wait(ctx context.Context, deadline time.Time) error {
	if p.fd < 0 {
		return waitGonePolling(ctx, p.pid, deadline)
	}
	f, err := p.pollable()
	if err != nil {
		return fmt.Errorf("wait for pid %d: %w", p.pid, err)
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return fmt.Errorf("wait for pid %d: %w", p.pid, err)
	}
	// A read deadline in the past wakes the parked wait when ctx ends; the
	// next wait sets its own, once this one's wake-up has finished.
	f.SetReadDeadline(deadline)
	woken := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(woken)
		f.SetReadDeadline(time.Unix(1, 0))
	})
	defer func() {
		if !stop() {
			<-woken
		}
	}()
	exited := false
	err = rc.Read(func(fd uintptr) bool {
		exited = pollExited(int(fd))
		return exited || ctx.Err() != nil
	})
	switch {
	case exited:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, os.ErrDeadlineExceeded):
		return errWaitTimeout
	}
	return fmt.Errorf("wait for pid %d: %w", p.pid, err)
}

// pollable returns the pidfd as an *os.File that Go's runtime poller
// watches, making it so on first use: non-blocking, then wrapped. The
// file owns the pidfd from then on; Close closes it.
func (p *Process) pollable() (*os.File, error) {
	if p.file != nil {
		return p.file, nil
	}
	if err := unix.SetNonblock(p.fd, true); err != nil {
		return nil, AsOSError(err)
	}
	// NewFile registers a non-blocking fd with the poller; a pidfd
	// supports epoll since Linux 5.3, when pidfd_open came.
	p.file = os.NewFile(uintptr(p.fd), "pidfd")
	return p.file, nil
}

// pollExited reports, without waiting, whether the pidfd polls readable:
// its process has terminated (a zombie counts).
func pollExited(pidfd int) bool {
	fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, 0)
	return err == nil && n > 0 && fds[0].Revents&unix.POLLIN != 0
}
