package signal

import (
	"context"
	"errors"
	"time"
)

// ErrUnsupported is returned for operations this platform cannot do, such
// as reading process details outside Linux.
var ErrUnsupported = errors.New("not supported on this platform")

// Info is what the system reports about a process.
type Info struct {
	PID, PPID, PGID, SID, UID int
	State                     string // one letter, as in ps: R, S, D, Z, T, ...
	Comm                      string // the command name, which may hold spaces and parentheses
	StartTime                 string // when it started, in clock ticks since boot (stat field 22), as decimal
}

// A Process is a handle on one process. On Linux it holds a pidfd, so that
// every check and every signal through it concern the same process even
// if its pid is reused meanwhile. Elsewhere, or on kernels without pidfds,
// it holds the bare pid. Close it when done.
type Process struct {
	pid int
	fd  int // the pidfd, or -1
}

// Open returns a handle on process pid (which must be positive), or an
// *OSError with ESRCH if there is none.
func Open(pid int) (*Process, error) {
	return openProcess(pid, true)
}

// PID returns the process id the handle was opened with.
func (p *Process) PID() int { return p.pid }

// Wait blocks until the process has terminated (a zombie counts) and
// reports true, or until ctx is done and reports false.
func (p *Process) Wait(ctx context.Context) bool {
	return p.wait(ctx) == nil
}

// WaitTimeout is Wait bounded by d; d <= 0 checks once without waiting.
func (p *Process) WaitTimeout(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return p.Exited()
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	return p.Wait(ctx)
}
