package signal

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// Killer sends signals after validating them and checking its Policy. It
// holds no mutable state and is safe for concurrent use.
type Killer struct {
	// Policy is checked before every send.
	Policy Policy
	// send, if set, replaces every delivery, to a process or a group,
	// and no process is opened. Tests set it to a recorder to prove what
	// was, and was not, sent. nil means the real system calls.
	send func(pid int, sig syscall.Signal) error
	// noPidfd forces the fallback that holds bare pids, as on kernels
	// without pidfds; tests set it to exercise that path.
	noPidfd bool
}

// NewKiller returns a Killer that applies p.
func NewKiller(p Policy) *Killer {
	return &Killer{Policy: p}
}

// Target names the process a request is about.
type Target struct {
	// PID is the process id: positive for one process; 0 and below -1
	// for a process group, if the policy allows groups.
	PID int64
	// StartTime, if set, is the start time Info reported for the process;
	// a process with another start time (a reused pid) is not signalled
	// and the answer is an *OSError with ESRCH and Reason
	// "start_time mismatch".
	StartTime string
}

// Kill sends signal number sig to the target. It checks, in order: that
// the pid fits in 32 bits (an error wrapping ErrPIDRange); that sig lies
// in 0..Max (an *OSError with EINVAL, even where the pid does not exist,
// which is a deliberate choice: Linux would say ESRCH first); and the
// policy (a *PolicyError). Only then does it send: a positive pid is
// opened as a Process (a pidfd on Linux) and checked and signalled
// through it, and a process group is signalled with kill(2). It never
// uses os.Process.Signal, which rewrites ESRCH. Failures of the system
// are *OSError values.
func (k *Killer) Kill(t Target, sig int64) error {
	pid, n, err := k.check(t, sig)
	if err != nil {
		return err
	}
	if pid <= 0 {
		return k.sendGroup(pid, n)
	}
	p, err := k.open(t)
	if err != nil {
		return err
	}
	defer p.Close()
	return p.Signal(n)
}

// check validates the target and signal and applies the policy, in the
// order Kill documents.
func (k *Killer) check(t Target, sig int64) (int, Number, error) {
	pid, err := CheckPID(t.PID)
	if err != nil {
		return 0, 0, err
	}
	n, err := CheckNumber(sig)
	if err != nil {
		return 0, 0, err
	}
	if err := k.Policy.Check(pid, n); err != nil {
		return 0, 0, err
	}
	if pid <= 0 && t.StartTime != "" {
		return 0, 0, &OSError{Errno: unix.EINVAL, Reason: "start_time needs a single process"}
	}
	return pid, n, nil
}

// open opens the target and checks its start time, if the target names
// one, and the policy's per-process rules, if any, through the handle, so
// the process checked is the process later signalled.
func (k *Killer) open(t Target) (*Process, error) {
	p, err := k.openPID(int(t.PID))
	if err != nil {
		return nil, err
	}
	if t.StartTime == "" && !k.Policy.perProcess() {
		return p, nil
	}
	info, err := p.Info()
	switch {
	case err != nil:
	case t.StartTime != "" && info.StartTime != t.StartTime:
		err = &OSError{Errno: unix.ESRCH, Reason: "start_time mismatch"}
	default:
		err = k.Policy.CheckProcess(info, parentOf)
	}
	if err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// openPID opens a handle on pid, with the Killer's test hooks applied.
func (k *Killer) openPID(pid int) (*Process, error) {
	if k.send != nil {
		return &Process{pid: pid, fd: -1, send: k.send}, nil
	}
	return openProcess(pid, !k.noPidfd)
}

// sendGroup signals a process group (pid 0 or below -1) with kill(2).
func (k *Killer) sendGroup(pid int, n Number) error {
	send := k.send
	if send == nil {
		send = unix.Kill
	}
	return AsOSError(send(pid, syscall.Signal(n)))
}
