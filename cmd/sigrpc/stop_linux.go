package main

import (
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// stopSignals are the signals whose default action would end the helper
// and which Go lets a program catch, but SIGHUP, which reopens the audit
// log (see stopper). SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM, SIGXCPU,
// SIGXFSZ, SIGIO and SIGPWR are not among them: Go's runtime already
// ignores them.
var stopSignals = func() []os.Signal {
	sigs := []os.Signal{
		unix.SIGINT, unix.SIGQUIT, unix.SIGILL, unix.SIGTRAP,
		unix.SIGABRT, unix.SIGBUS, unix.SIGFPE, unix.SIGSEGV, unix.SIGSTKFLT,
		unix.SIGSYS, unix.SIGTERM,
	}
	for n := firstCatchableRT; n <= lastRT; n++ {
		sigs = append(sigs, syscall.Signal(n))
	}
	return sigs
}()

// The real-time signals. Go's runtime keeps 32 to 34 to itself: it lets a
// program neither catch nor ignore 32 and 34 (33, which it uses, stays
// blocked), though their default action would end the helper.
const (
	firstCatchableRT = 35
	lastRT           = 64
)

// ignoreUncatchable sets signals 32 and 34 to be ignored, with
// rt_sigaction(2) directly: a statically linked Go program has no use for
// them, and their default action would end the helper in the middle of a
// tree call.
func ignoreUncatchable() {
	type sigaction struct {
		handler  uintptr
		flags    uint64
		restorer uintptr
		mask     uint64
	}
	ignore := sigaction{handler: 1} // SIG_IGN; every other field zero
	for _, sig := range []uintptr{32, 34} {
		unix.RawSyscall6(unix.SYS_RT_SIGACTION, sig, uintptr(unsafe.Pointer(&ignore)), 0, 8, 0, 0)
	}
}
