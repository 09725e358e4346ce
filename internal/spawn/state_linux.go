package spawn

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/sigrpc/sigrpc/internal/proctest"
)

// Zombie starts a child that exits at once, and returns once it is a
// zombie; it is reaped when the test ends.
func Zombie(t testing.TB) *Proc {
	t.Helper()
	p := Start(t, Options{}, "true")
	var info unix.Siginfo
	if err := unix.Waitid(unix.P_PID, p.Pid, &info, unix.WEXITED|unix.WNOWAIT, nil); err != nil {
		t.Fatalf("waitid: %v", err)
	}
	return p
}

// AssertUntouched checks that the process is still running, not reaped
// nor waiting to be, with no signal pending: nothing was sent to it.
func (p *Proc) AssertUntouched(t testing.TB) {
	t.Helper()
	var info unix.Siginfo
	if err := unix.Waitid(unix.P_PID, p.Pid, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil); err != nil {
		t.Fatalf("waitid %d: %v", p.Pid, err)
	}
	if info.Signo != 0 {
		t.Fatalf("%s (%d) has exited; it should have been left alone", p.Cmd.Path, p.Pid)
	}
	AssertNoPendingSignal(t, p.Pid)
}

// AssertAlive checks that pid, which the test started but need not be its
// child, is running (not a zombie) and has no signal pending.
func AssertAlive(t testing.TB, pid int) {
	t.Helper()
	switch s := proctest.State(pid); s {
	case "":
		t.Fatalf("process %d is gone", pid)
	case "Z", "X":
		t.Fatalf("process %d has exited (state %s)", pid, s)
	}
	AssertNoPendingSignal(t, pid)
}

// AssertNoPendingSignal checks that process pid has no signal pending.
func AssertNoPendingSignal(t testing.TB, pid int) {
	t.Helper()
	for _, key := range []string{"SigPnd", "ShdPnd"} {
		if v := proctest.StatusLine(pid, key); v == "" {
			t.Fatalf("no %s for process %d: is it gone?", key, pid)
		} else if m, _ := strconv.ParseUint(v, 16, 64); m != 0 {
			t.Fatalf("process %d has a pending signal (%s: %s); nothing should have been sent", pid, key, v)
		}
	}
}

// Has reports whether sig is in the signal mask key (SigPnd, ShdPnd,
// SigBlk, SigIgn, SigCgt) of /proc/<pid>/status.
func Has(pid int, key string, sig syscall.Signal) bool {
	m, _ := strconv.ParseUint(proctest.StatusLine(pid, key), 16, 64)
	return m&(1<<(sig-1)) != 0
}

// TreeOf returns pid and its descendants, parents first, as /proc lists
// them now.
func TreeOf(pid int) []int {
	pids := []int{pid}
	for i := 0; i < len(pids); i++ {
		pids = append(pids, proctest.Children(pids[i])...)
	}
	return pids
}

// Orphan starts sh -c script in the background of a shell that exits at
// once, so that it is not the test's descendant, and waits until it and
// its descendants number size. It holds each through a pidfd, and kills
// them through those when the test ends. It returns their pids, the
// root (the shell, or what it exec'd) first, parents before children.
func Orphan(t testing.TB, script string, size int) []int {
	t.Helper()
	out, stderr, code := Run(t, Options{}, "", "sh", "-c", `sh -c "$0" </dev/null >/dev/null 2>&1 & echo $!`, script)
	root, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil || code != 0 {
		t.Fatalf("starting an orphan: %q, %q, exit %d", out, stderr, code)
	}
	var fds []int
	t.Cleanup(func() {
		for _, fd := range fds {
			unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0)
			unix.Close(fd)
		}
	})
	// hold takes pid if, once open, it is still the child of parent (any
	// parent but the test for the root).
	hold := func(pid, parent int) bool {
		fd, err := unix.PidfdOpen(pid, 0)
		if err != nil {
			return false
		}
		if ppid, ok := proctest.Parent(pid); !ok || (parent == 0 && ppid == os.Getpid()) || (parent != 0 && ppid != parent) {
			unix.Close(fd)
			return false
		}
		fds = append(fds, fd)
		return true
	}
	if !hold(root, 0) {
		t.Fatalf("the orphan %d is gone, or still the test's child", root)
	}
	pids := []int{root}
	WaitFor(t, fmt.Sprintf("the orphan's tree of %d", size), func() bool {
		for i := 0; i < len(pids); i++ {
			for _, pid := range proctest.Children(pids[i]) {
				if !slices.Contains(pids, pid) && hold(pid, pids[i]) {
					pids = append(pids, pid)
				}
			}
		}
		return len(pids) >= size
	})
	return pids
}
