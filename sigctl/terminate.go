package sigctl

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
	Elapsed   time.Duration // from the first signal (with Tree, the first STOP) to the outcome
	// Members, with Tree, is what happened to each process of the tree,
	// parents before children, the root first; nil without Tree. Exited
	// is then true only if every member has terminated, and Escalated if
	// the escalation was delivered to any; Refused is not set.
	Members []Member
	// Method, with Tree, is how the members were found: MethodListing or
	// MethodForkEvents. Complete is true when that method rules out a
	// process forked by a member during the call escaping the tree (a
	// double fork reparents a grandchild out of it); false when escape is
	// only unlikely.
	Method   string
	Complete bool
}

// TerminateOptions says how Terminate ends a process, in the manner of
// os/exec.Cmd's fields.
type TerminateOptions struct {
	Signal          Signum        // sent first
	Timeout         time.Duration // how long to wait after Signal for the process to go
	Escalate        bool          // whether to send EscalateSignal if it has not gone
	EscalateSignal  Signum        // sent if the process outlives Timeout, when Escalate
	EscalateTimeout time.Duration // how long to wait after EscalateSignal
	Tree            bool          // the whole tree rooted at the target (see Terminate)
}

// Terminate sends opts.Signal to the target, waits up to opts.Timeout for
// it to terminate and, if it has not and opts.Escalate, sends
// opts.EscalateSignal and waits up to opts.EscalateTimeout. Every signal
// goes through one Process handle, so on Linux the escalation can never
// reach another process that reused the pid. Both signals are validated,
// and the pid rules of the policy applied to them, before anything is
// sent; each passes every check through the handle immediately before it
// is sent (see sendChecked). A refused escalation sends nothing: the
// result has Refused set and Escalated false. An escalation that finds
// the process already gone is not Escalated, and the process Exited. The
// target must be a single process (a *PIDError otherwise). ctx cancels
// the waits, and then no escalation is sent.
//
// With opts.Tree, Terminate acts on the tree rooted at the target: the
// target and its descendants, each held through a handle (a pidfd) from
// the moment it is found, whatever becomes of its parent. It stops the
// tree from growing: STOP to each member, parents before children,
// listing each one's children (verified as Children verifies them) and
// passing over the tree again until a pass finds no new member (see
// tree.stop); it sends opts.Signal to every member, children before
// parents, and CONT to every member it stopped; it waits up to
// opts.Timeout for all of them. If some have not gone and opts.Escalate,
// it does the same again for the survivors, and the processes they forked
// meanwhile, with opts.EscalateSignal, then waits up to
// opts.EscalateTimeout. Every send but CONT passes sendChecked for its
// member; a member refused its STOP is left alone, neither stopped nor
// signalled, and reported with Refused; a member refused a later send (it
// left the client's tree when its parent died, say) gets no more signals
// and is reported so. CONT goes to every member stopped, through its
// handle, unchecked: it only undoes this call's own STOP, to the very
// process that got it. The helper (Policy.Self and the process this runs
// in), its ancestors and pid 1 are never members; a target that is one
// of them is a *PolicyError (ReasonSelf, ReasonAncestor, ReasonInit; pid 1
// even with Policy.AllowInit). A tree of more than maxTreeMembers
// processes is an *OSError with E2BIG, one still growing after
// maxTreePasses passes EAGAIN. ctx ends the call at once in the stop pass
// (its ancestry walks and its waits for members to halt included) and in
// the sends: the call then returns ctx.Err(), having sent nothing more;
// in the waits it ends them, as without Tree. A call that would stop a
// member after Close began returns ErrClosed. On every path, an error or a
// panic included, every member still stopped is sent CONT before
// Terminate returns, and Close continues every member stopped by a call
// still in flight: the Controller never leaves a process stopped. Linux
// only; elsewhere an error wrapping errors.ErrUnsupported.
//
// With Audit set, every send Terminate makes or refuses, the escalation
// and, with Tree, every member's STOP, signal, escalation and CONT, hands
// it a Record; so does a refusal before anything is sent.
func (k *Controller) Terminate(ctx context.Context, t Target, opts TerminateOptions) (Termination, error) {
	call := auditCall{terminate: true}
	pid, sig, err := k.check(t, opts.Signal)
	if err != nil {
		k.auditEarly(call, t.PID, opts.Signal, err)
		return Termination{}, err
	}
	if opts.Escalate {
		if _, _, err = k.check(t, opts.EscalateSignal); err != nil {
			k.auditEarly(auditCall{terminate: true, escalation: true}, t.PID, opts.EscalateSignal, err)
			return Termination{}, err
		}
	}
	if err := checkOneProcess(pid); err != nil {
		return Termination{}, err
	}
	if opts.Tree {
		return k.terminateTree(ctx, t, opts)
	}
	p, err := k.openFor(pid, sig)
	if err != nil {
		k.audit(call, pid, Info{}, sig, err)
		return Termination{}, err
	}
	defer p.Close()
	if p.fd < 0 && t.StartTime == "" {
		// A bare pid (no pidfds): pin the process by its start time, so that
		// the escalation cannot reach another process that took the pid
		// during the wait. Where there is no /proc, nothing pins it.
		if info, err := p.Info(); err == nil {
			t.StartTime = info.StartTime
		}
	}
	start := time.Now()
	if err := k.sendFor(call, nil, p, t, sig); err != nil {
		return Termination{}, err
	}
	res := Termination{Exited: k.system().wait(ctx, p, opts.Timeout)}
	if !res.Exited && opts.Escalate && ctx.Err() == nil {
		res = k.escalate(ctx, p, t, opts.EscalateSignal, opts.EscalateTimeout)
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// escalate sends esc through p, checked as every send is, and waits up to
// timeout for the process to go.
func (k *Controller) escalate(ctx context.Context, p *Process, t Target, esc Signum, timeout time.Duration) Termination {
	err := k.sendFor(auditCall{terminate: true, escalation: true}, nil, p, t, esc)
	var pe *PolicyError
	switch {
	case errors.As(err, &pe):
		return Termination{Refused: pe.Reason, Exited: p.Exited()}
	case err != nil:
		return Termination{Exited: p.Exited()} // gone since the wait: nothing was delivered
	}
	return Termination{Escalated: true, Exited: k.system().wait(ctx, p, timeout)}
}

// Wait reports whether process pid terminates (a zombie counts) within
// timeout; timeout <= 0 checks once. A pid with no process counts as
// terminated. A pid that is not positive, or beyond int32, is a
// *PIDError; a thread id is refused as Kill refuses it. The policy's
// per-process rules apply: a narrowed Controller waits only for
// processes it may signal (a *PolicyError otherwise). ctx cancels the
// wait, which then reports false.
func (k *Controller) Wait(ctx context.Context, pid int, timeout time.Duration) (bool, error) {
	if err := checkOneProcess(pid); err != nil {
		return false, err
	}
	p, err := k.openFor(pid, None)
	if err != nil {
		var osErr *OSError
		if errors.As(err, &osErr) && osErr.Errno == unix.ESRCH && osErr.Reason == "" {
			return true, nil
		}
		return false, err
	}
	defer p.Close()
	if _, err := k.checkHandle(nil, p, Target{PID: pid}); err != nil {
		return false, err
	}
	return k.system().wait(ctx, p, timeout), nil
}
