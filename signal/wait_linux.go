package signal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// waitGone waits on a pidfd, which polls readable once the process has
// terminated, whoever its parent is. Without pidfds (ENOSYS) it polls.
func waitGone(ctx context.Context, pid int) error {
	p, err := Open(pid)
	if errors.Is(err, unix.ESRCH) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("wait for pid %d: %w", pid, err)
	}
	defer p.Close()
	return p.wait(ctx)
}

// pollPidfd waits until pidfd polls readable or ctx is done. An eventfd,
// written when ctx is done, wakes the poll, so cancellation is noticed at
// once without a polling interval.
func pollPidfd(ctx context.Context, pidfd, pid int) error {
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return fmt.Errorf("wait for pid %d: eventfd: %w", pid, AsOSError(err))
	}
	woken := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(woken)
		unix.Write(wake, []byte{1, 0, 0, 0, 0, 0, 0, 0}) // any non-zero 8-byte count wakes the poll
	})
	defer func() {
		if !stop() {
			<-woken // the wake-up may be writing: let it finish before closing
		}
		unix.Close(wake)
	}()
	fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}, {Fd: int32(wake), Events: unix.POLLIN}}
	for {
		_, err := unix.Poll(fds, -1)
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case err != nil:
			return fmt.Errorf("wait for pid %d: poll: %w", pid, AsOSError(err))
		case fds[0].Revents&unix.POLLNVAL != 0:
			return fmt.Errorf("wait for pid %d: poll: %w", pid, &OSError{Errno: unix.EBADF})
		case fds[0].Revents != 0:
			return nil
		case fds[1].Revents != 0:
			return ctx.Err()
		}
	}
}

// isZombie reports whether /proc says pid is a zombie.
func isZombie(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses and may
	// itself contain spaces and parentheses.
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z'
}
