package sigctl

// Info is what the system reports about a process.
type Info struct {
	PID, PPID, PGID, SID, UID int
	State                     string // one letter, as in ps: R, S, D, Z, T, ...
	Comm                      string // the command name, which may hold spaces and parentheses
	StartTime                 string // when it started, in clock ticks since boot (stat field 22), as decimal
}

// Inspect returns what the system reports about process pid: on Linux
// from /proc; elsewhere an error wrapping errors.ErrUnsupported. A pid
// with no process is an *OSError with ESRCH; one that is not positive or
// beyond int32 a *PIDError; a thread id is refused as Kill refuses it.
// The policy's per-process rules apply: a narrowed Controller describes
// only processes it may signal (a *PolicyError otherwise).
func (k *Controller) Inspect(pid int) (Info, error) {
	if err := checkOneProcess(pid); err != nil {
		return Info{}, err
	}
	p, err := k.openFor(pid, None)
	if err != nil {
		return Info{}, err
	}
	defer p.Close()
	info, err := p.Info()
	if err != nil {
		return Info{}, err
	}
	if err := k.checkProcess(nil, p, info); err != nil {
		return Info{}, err
	}
	return info, nil
}
