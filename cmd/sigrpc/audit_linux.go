package main

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// socketPeer returns the credentials of the process at the other end of
// stdin, when stdin is a Unix socket (a helper started by a service
// manager for each connection, as systemd's Accept=yes does): the
// process that connected, as the kernel recorded it at connect(2). It
// reports false for anything else. The audit trail records them, since
// such a helper's parent is the service manager, not its client.
func socketPeer(stdin io.Reader) (pid, uid int, ok bool) {
	f, isFile := stdin.(*os.File)
	if !isFile {
		return 0, 0, false
	}
	raw, err := f.SyscallConn()
	if err != nil {
		return 0, 0, false
	}
	var cred *unix.Ucred
	raw.Control(func(fd uintptr) { // Control, unlike Fd, leaves the descriptor's mode alone
		cred, err = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	})
	if err != nil || cred == nil || cred.Pid <= 0 {
		return 0, 0, false
	}
	return int(cred.Pid), int(cred.Uid), true
}
