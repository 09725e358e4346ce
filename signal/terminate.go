package signal

import (
	"context"
	"errors"
	"time"

	"golang.org/x/sys/unix"
)

// Termination is the outcome of Terminate.
type Termination struct {
	Exited    bool          // the process terminated
	Escalated bool          // the escalation signal was delivered
	Refused   string        // the policy refused the escalation: a Reason; "" otherwise
	Elapsed   time.Duration // from the first signal to the outcome
}

// Terminate sends sig to the target, waits up to timeout for it to
// terminate and, if it has not and escalate is not nil, sends *escalate
// and waits up to escalateTimeout. Every signal goes through one Process
// handle, so on Linux the escalation can never reach another process that
// reused the pid. Both signals are validated before anything is sent;
// each passes the policy's checks through the handle immediately before
// it is sent (see sendChecked). A refused escalation sends nothing: the
// result has Refused set and Escalated false. An escalation that finds
// the process already gone is not Escalated, and the process Exited. The
// target must be a single process. ctx cancels the waits, and then no
// escalation is sent.
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
	p, err := k.openFor(pid, n)
	if err != nil {
		return Termination{}, err
	}
	defer p.Close()
	start := time.Now()
	if err := k.sendChecked(p, t, n); err != nil {
		return Termination{}, err
	}
	res := Termination{Exited: k.waitTimeout(ctx, p, timeout)}
	if !res.Exited && escalate != nil && ctx.Err() == nil {
		res = k.escalate(ctx, p, t, esc, escalateTimeout)
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// escalate sends esc through p, checked as every send is, and waits up to
// timeout for the process to go.
func (k *Killer) escalate(ctx context.Context, p *Process, t Target, esc Number, timeout time.Duration) Termination {
	err := k.sendChecked(p, t, esc)
	var pe *PolicyError
	switch {
	case errors.As(err, &pe):
		return Termination{Refused: pe.Reason, Exited: p.Exited()}
	case err != nil:
		return Termination{Exited: p.Exited()} // gone since the wait: nothing was delivered
	}
	return Termination{Escalated: true, Exited: k.waitTimeout(ctx, p, timeout)}
}

// waitTimeout is p.WaitTimeout, or the test hook that replaces it.
func (k *Killer) waitTimeout(ctx context.Context, p *Process, d time.Duration) bool {
	if k.waitHook != nil {
		return k.waitHook(ctx, p, d)
	}
	return p.WaitTimeout(ctx, d)
}

// Wait reports whether process pid terminates (a zombie counts) within
// timeout; timeout <= 0 checks once. A pid with no process counts as
// terminated. A pid that is not positive, or beyond int32, is an
// *OSError with EINVAL; a thread id is refused as Kill refuses it. The
// policy's per-process rules apply: a narrowed Killer waits only for
// processes it may signal (a *PolicyError otherwise). ctx cancels the
// wait, which then reports false.
func (k *Killer) Wait(ctx context.Context, pid int64, timeout time.Duration) (bool, error) {
	if pid <= 0 || pid > 1<<31-1 {
		return false, &OSError{Errno: unix.EINVAL, Reason: "wait needs a positive pid"}
	}
	p, err := k.openFor(int(pid), None)
	if err != nil {
		var osErr *OSError
		if errors.As(err, &osErr) && osErr.Errno == unix.ESRCH && osErr.Reason == "" {
			return true, nil
		}
		return false, err
	}
	defer p.Close()
	if _, err := k.checkHandle(p, Target{PID: pid}); err != nil {
		return false, err
	}
	return p.WaitTimeout(ctx, timeout), nil
}
