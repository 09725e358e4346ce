package sigctl

import (
	"context"
	"errors"
	"os"
	"strconv"
	"time"
)

// A Process is a handle on one process. On Linux it holds a pidfd, so
// that every check and every signal through it concern the same process
// even if its pid is reused meanwhile. Elsewhere, or on kernels without
// pidfds, it holds the bare pid. Close it when done. A Process may be
// used from several goroutines, but Close must come after every other
// call has returned.
type Process struct {
	pid int
	fd  int // the pidfd, or -1
	// file owns fd once the process has been waited for: fd in
	// non-blocking mode, registered with Go's runtime poller, so that a
	// wait parks a goroutine rather than an OS thread. See wait.
	file *os.File
	// sys, if set, is the system that opened the handle, through which
	// its signals go; nil is the real one (see system).
	sys system
}

// Open returns a handle on process pid. A pid with no process is an
// *OSError with ESRCH, and a pid that is not positive (a process group to
// kill(2)) an *OSError with EINVAL, refused before any system call.
func Open(pid int) (*Process, error) {
	return openProcess(pid, true)
}

// threadError is what opening a thread id that is not its process's
// leader returns. Controller turns it into its answer: a thread of the helper
// is refused as self, any other is ESRCH (see Controller.openFor).
type threadError struct {
	tid, tgid int
}

func (e *threadError) Error() string {
	return "pid " + strconv.Itoa(e.tid) + " is a thread of process " + strconv.Itoa(e.tgid)
}

// ReasonThread is the OSError reason of a thread id given where a process
// id is wanted: ESRCH, "No such process", since no process has that id.
const ReasonThread = "thread id, not a process"

// PID returns the process id the handle was opened with.
func (p *Process) PID() int { return p.pid }

// Signal sends sig to the process. Through a pidfd, a process that has
// since been replaced by another with the same pid yields ESRCH instead
// of a signal to the wrong process. Failures are *OSError values.
func (p *Process) Signal(sig Signum) error {
	return AsOSError(p.system().signal(p, sig))
}

// Wait blocks until the process has terminated (a zombie counts) and
// reports true, or until ctx is done and reports false.
func (p *Process) Wait(ctx context.Context) bool {
	return p.wait(ctx, time.Time{}) == nil
}

// WaitTimeout is Wait bounded by d; d <= 0 checks once without waiting.
func (p *Process) WaitTimeout(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return p.Exited()
	}
	return p.wait(ctx, time.Now().Add(d)) == nil
}

// errWaitTimeout is what wait returns when its deadline passes.
var errWaitTimeout = errors.New("wait: timed out")
