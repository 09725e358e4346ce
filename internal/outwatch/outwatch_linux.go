package outwatch

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Watch calls gone, once, when out is a pipe or a socket that nobody can
// read from any more: poll(2) reports POLLERR or POLLHUP on it. A socket
// whose peer only shut down its writing half is still readable by that
// peer, and is not gone. For any other kind of file (a regular file, a
// terminal, /dev/null) Watch watches nothing.
//
// The watch is one thread blocked in poll(2) on a duplicate of out's
// descriptor, so it neither changes out's blocking mode nor depends on
// out staying open. The returned release function ends the watch and
// returns once gone can no longer be called.
func Watch(out *os.File, gone func()) (release func(), err error) {
	fd, err := dupIfStream(out)
	if err != nil || fd < 0 {
		return func() {}, err
	}
	wake, waker, err := os.Pipe()
	if err != nil {
		unix.Close(fd)
		return func() {}, fmt.Errorf("outwatch: %w", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if pollGone(fd, int(wake.Fd())) {
			gone()
		}
	}()
	return func() {
		waker.Close() // wake hangs up: the watch returns
		<-done
		wake.Close()
		unix.Close(fd)
	}, nil
}

// Gone reports, without waiting, what Watch waits for: whether out is a
// pipe or a socket that nobody can read from any more. It reports false
// for any other kind of file, and when it cannot tell. It neither
// duplicates out's descriptor nor changes its mode.
func Gone(out *os.File) bool {
	raw, err := out.SyscallConn()
	if err != nil {
		return false
	}
	gone := false
	raw.Control(func(fd uintptr) {
		var st unix.Stat_t
		if unix.Fstat(int(fd), &st) != nil {
			return
		}
		if kind := st.Mode & unix.S_IFMT; kind != unix.S_IFIFO && kind != unix.S_IFSOCK {
			return
		}
		fds := []unix.PollFd{{Fd: int32(fd)}} // no events asked: POLLERR and POLLHUP come anyway
		if n, err := unix.Poll(fds, 0); err == nil && n > 0 {
			gone = fds[0].Revents&(unix.POLLERR|unix.POLLHUP) != 0
		}
	})
	return gone
}

// dupIfStream returns a duplicate of out's descriptor if out is a pipe or
// a socket, or -1 if it is anything else.
func dupIfStream(out *os.File) (int, error) {
	raw, err := out.SyscallConn()
	if err != nil {
		return -1, fmt.Errorf("outwatch: %w", err)
	}
	fd := -1
	var opErr error
	err = raw.Control(func(orig uintptr) {
		var st unix.Stat_t
		if opErr = unix.Fstat(int(orig), &st); opErr != nil {
			return
		}
		if kind := st.Mode & unix.S_IFMT; kind != unix.S_IFIFO && kind != unix.S_IFSOCK {
			return
		}
		fd, opErr = unix.FcntlInt(orig, unix.F_DUPFD_CLOEXEC, 0)
	})
	if err = errors.Join(err, opErr); err != nil {
		return -1, fmt.Errorf("outwatch: %s: %w", out.Name(), err)
	}
	return fd, nil
}

// pollGone blocks until fd reports an error or a hang-up (true) or wake
// becomes readable or hangs up (false); if both happen, fd wins.
func pollGone(fd, wake int) bool {
	fds := []unix.PollFd{
		{Fd: int32(fd)}, // no events asked: poll reports POLLERR and POLLHUP anyway
		{Fd: int32(wake), Events: unix.POLLIN},
	}
	for {
		if _, err := unix.Poll(fds, -1); err != nil {
			if err == unix.EINTR {
				continue
			}
			return false
		}
		switch {
		case fds[0].Revents&(unix.POLLERR|unix.POLLHUP) != 0:
			return true
		case fds[0].Revents != 0, fds[1].Revents != 0: // POLLNVAL cannot happen on our own duplicate
			return false
		}
	}
}
