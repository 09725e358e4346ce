//go:build unix

package spinread

import "golang.org/x/sys/unix"

// supported reports whether ready can watch a file.
const supported = true

// ready reports whether a read of fd would not sleep: it has input, has
// hung up or has failed. It never sleeps itself.
func ready(fd int) bool {
	fds := [1]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	n, err := unix.Poll(fds[:], 0)
	return n > 0 || (err != nil && err != unix.EINTR)
}
