package signal

import (
	"errors"

	"golang.org/x/sys/unix"
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

// Inspect returns what the system reports about process pid: on Linux
// from /proc, elsewhere ErrUnsupported. A pid with no process, or one
// that is not positive or beyond int32, is an *OSError with ESRCH; a
// thread id is refused as Kill refuses it. The policy's per-process rules
// apply: a narrowed Killer describes only processes it may signal (a
// *PolicyError otherwise).
func (k *Killer) Inspect(pid int64) (Info, error) {
	if pid <= 0 || pid > 1<<31-1 {
		return Info{}, &OSError{Errno: unix.ESRCH}
	}
	p, err := k.openFor(int(pid), None)
	if err != nil {
		return Info{}, err
	}
	defer p.Close()
	info, err := p.Info()
	if err != nil {
		return Info{}, err
	}
	if err := k.checkProcess(p, info); err != nil {
		return Info{}, err
	}
	return info, nil
}
