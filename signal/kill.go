package signal

import (
	"context"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Killer sends signals after validating them and checking its Policy. It
// is safe for concurrent use.
type Killer struct {
	Policy Policy
	// send delivers a signal to a process group; nil means unix.Kill.
	// Tests substitute a recorder to prove what was, and was not, sent.
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
	PID int64
	// StartTime, if set, is the start time Info reported for the process;
	// a process with another start time (a reused pid) is not signalled
	// and the answer is ESRCH with Reason "start_time mismatch".
	StartTime string
}

// Kill sends signal number sig to the target. It checks, in order: that
// the pid fits in 32 bits (an error wrapping ErrPIDRange), that sig is a
// valid number (EINVAL, even where the pid does not exist), and the
// policy (a *PolicyError). A positive pid is then opened as a Process and
// checked and signalled through it; a process group (allowed by the
// policy) is signalled with kill(2). Failures are *OSError values.
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

// check validates the target and signal and applies the policy.
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

// open opens the target and, if it names a start time, checks it through
// the handle, so the process checked is the process later signalled.
func (k *Killer) open(t Target) (*Process, error) {
	p, err := openProcess(int(t.PID), !k.noPidfd)
	if err != nil {
		return nil, err
	}
	if t.StartTime == "" {
		return p, nil
	}
	info, err := p.Info()
	if err == nil && info.StartTime != t.StartTime {
		err = &OSError{Errno: unix.ESRCH, Reason: "start_time mismatch"}
	}
	if err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// sendGroup signals a process group (pid 0 or below -1).
func (k *Killer) sendGroup(pid int, n Number) error {
	send := k.send
	if send == nil {
		send = unix.Kill
	}
	return AsOSError(send(pid, syscall.Signal(n)))
}

// Termination is the outcome of Terminate.
type Termination struct {
	Exited    bool          // the process terminated
	Escalated bool          // the escalation signal was sent
	Elapsed   time.Duration // from the first signal to the outcome
}

// Terminate sends sig to the target, waits up to timeout for it to
// terminate and, if it has not and escalate is not nil, sends *escalate
// and waits up to escalateTimeout. Every signal goes through one Process
// handle, so on Linux the escalation can never reach another process that
// reused the pid. The checks are those of Kill, for both signals. ctx
// cancels the waits.
func (k *Killer) Terminate(ctx context.Context, t Target, sig int64, timeout time.Duration, escalate *int64, escalateTimeout time.Duration) (Termination, error) {
	pid, n, err := k.check(t, sig)
	if err != nil {
		return Termination{}, err
	}
	var esc Number
	if escalate != nil {
		if _, esc, err = k.check(t, *escalate); err != nil {
			return Termination{}, err
		}
	}
	if pid <= 0 {
		return Termination{}, &OSError{Errno: unix.EINVAL, Reason: "terminate needs a single process"}
	}
	p, err := k.open(t)
	if err != nil {
		return Termination{}, err
	}
	defer p.Close()
	start := time.Now()
	if err := p.Signal(n); err != nil {
		return Termination{}, err
	}
	res := Termination{Exited: p.WaitTimeout(ctx, timeout)}
	if !res.Exited && escalate != nil && ctx.Err() == nil {
		if err := p.Signal(esc); err != nil && !p.Exited() {
			return Termination{}, err
		}
		res.Escalated = true
		res.Exited = p.WaitTimeout(ctx, escalateTimeout)
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// Wait reports whether process pid terminates within timeout; timeout
// <= 0 checks once. A pid with no process counts as terminated. ctx
// cancels the wait, which then reports false.
func (k *Killer) Wait(ctx context.Context, pid int64, timeout time.Duration) (bool, error) {
	if pid <= 0 || pid > 1<<31-1 {
		return false, &OSError{Errno: unix.EINVAL, Reason: "wait needs a positive pid"}
	}
	p, err := openProcess(int(pid), !k.noPidfd)
	if err != nil {
		if osErr, ok := err.(*OSError); ok && osErr.Errno == unix.ESRCH {
			return true, nil
		}
		return false, err
	}
	defer p.Close()
	return p.WaitTimeout(ctx, timeout), nil
}

// Inspect returns what the system reports about process pid.
func (k *Killer) Inspect(pid int64) (Info, error) {
	if pid <= 0 || pid > 1<<31-1 {
		return Info{}, &OSError{Errno: unix.ESRCH}
	}
	p, err := openProcess(int(pid), !k.noPidfd)
	if err != nil {
		return Info{}, err
	}
	defer p.Close()
	return p.Info()
}
