package signal

import (
	"context"
	"time"

	"golang.org/x/sys/unix"
)

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
// reused the pid. The checks are those of Kill, for both signals, all
// made before anything is sent; the target must be a single process. ctx
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

// Wait reports whether process pid terminates (a zombie counts) within
// timeout; timeout <= 0 checks once. A pid with no process counts as
// terminated. A pid that is not positive, or beyond int32, is an
// *OSError with EINVAL. ctx cancels the wait, which then reports false.
func (k *Killer) Wait(ctx context.Context, pid int64, timeout time.Duration) (bool, error) {
	if pid <= 0 || pid > 1<<31-1 {
		return false, &OSError{Errno: unix.EINVAL, Reason: "wait needs a positive pid"}
	}
	p, err := k.openProcess(int(pid))
	if err != nil {
		if osErr, ok := err.(*OSError); ok && osErr.Errno == unix.ESRCH {
			return true, nil
		}
		return false, err
	}
	defer p.Close()
	return p.WaitTimeout(ctx, timeout), nil
}
