package sigctl

import (
	"errors"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// Controller sends signals after validating them and checking its Policy. It
// is safe for concurrent use. It keeps the handles of the processes it
// signalled last open for reuse (see Kill), and tracks every process it has
// stopped and not yet continued (see Terminate with Tree); Close continues
// those and releases the handles. A Controller must not be copied after
// first use.
type Controller struct {
	// Policy is checked before every send.
	Policy Policy
	// Audit, if set, receives a Record of every signal the Controller
	// sends, or refuses or fails to send, on its caller's behalf: each
	// Kill, Terminate's signal and escalation, and every STOP, signal,
	// escalation and CONT of a tree, including the CONT that Close sends.
	// It is called synchronously, after the send and before the method
	// that made it returns, so a caller that answers after the method
	// returns answers after the Record was handed over; it may be called
	// from several goroutines at once, and must return promptly. An error
	// it returns latches: from then on the Controller sends nothing but
	// the CONT that undoes its own STOP, and each send it would have made
	// ends with ErrAuditFailed (and is handed to Audit too). Set it
	// before first use.
	Audit func(Record) error
	// sys is the operating system the Controller works through; nil
	// means the real one, osSystem. Tests substitute it (see system).
	sys system
	// hooks lets tests watch and steer the Controller's calls; nil
	// outside tests.
	hooks *testHooks
	// handles holds handles for reuse by Kill.
	handles handleCache
	// stopped holds the processes stopped by tree calls, for Close.
	stopped stoppedSet
	// noForkEvents is set once the kernel has refused fork events here
	// (see tree.subscribe), so that tree calls stop asking.
	noForkEvents atomic.Bool
	// opening admits maxOpening goroutines at a time to open a process;
	// nil admits all.
	opening chan struct{}
	// auditFailed is set once Audit has returned an error (see gate).
	auditFailed atomic.Bool
}

// maxOpening bounds how many goroutines open a process at once.
// pidfd_open can take tens of microseconds, and the Go runtime gives
// another thread to the work of a thread blocked in a system call that
// long: a burst of a thousand waits, each opening its pidfd, would leave
// the helper with a hundred threads. Two at a time keep it at a handful,
// at no cost that shows, since an open takes microseconds.
const maxOpening = 2

// NewController returns a Controller that applies p.
func NewController(p Policy) *Controller {
	return &Controller{Policy: p, opening: make(chan struct{}, maxOpening)}
}

// Close continues, with CONT through the handle that stopped it, every
// process k has stopped and not yet continued (the members a tree call in
// flight has stopped), whatever the policy, since CONT only undoes k's own
// STOP; it returns once every CONT has been sent. From then on k stops no
// process: a tree call in flight, or a later one, that would stop one
// ends with ErrClosed instead, continuing every member it stopped. Close
// then closes the process handles k keeps for reuse. It is safe to call
// concurrently with every other method, and more than once; it always
// returns nil. k stays usable for everything but tree calls, and keeps no
// handle open after Kill returns.
//
// So that no process is ever left stopped, a program that runs tree calls
// defers Close, and calls it before it exits with tree calls still in
// flight. The one case no code can cover is SIGKILL to the program itself,
// mid tree call: the members it stopped then stay stopped.
func (k *Controller) Close() error {
	for _, c := range k.stopped.closeAll() {
		k.audit(auditCall{terminate: true, tree: c.note.root}, c.note.pid, c.note.info, sigCont, c.err)
	}
	k.handles.close()
	return nil
}

// Target names the process a request is about.
type Target struct {
	// PID is the process id: positive for one process; 0 and below -1
	// for a process group, if the policy allows groups.
	PID int
	// StartTime, if set, is the start time Info reported for the process;
	// a process with another start time (a reused pid) is not signalled
	// and the answer is an *OSError with ESRCH and Reason
	// "start_time mismatch".
	StartTime string
}

// Kill sends signal sig to the target. It checks, in order: that the pid
// fits in 32 bits (a *PIDError); that sig lies
// in 0..MaxSignum (an *OSError with EINVAL, even where the pid does not exist,
// which is a deliberate choice: Linux would say ESRCH first); and the
// policy (a *PolicyError). Only then does it send: a positive pid is
// opened as a Process (a pidfd on Linux) and checked and signalled
// through it (see sendChecked), and a process group is signalled with
// kill(2). It never uses os.Process.Signal, which rewrites ESRCH.
// Failures of the system are *OSError values. A thread id that is not its
// process's leader is refused: as self (a *PolicyError) if the thread is
// the helper's own and sig is not None, else as ESRCH with Reason
// ReasonThread.
//
// Kill keeps the pidfds of the last few processes it reached open and
// reuses them, so a repeated kill makes one system call instead of three.
// A reused handle is as exact as a fresh one: a process keeps its pid
// until it is reaped, so while the handle's process lives, the pid names
// it. When a send or check through a reused handle finds its process gone
// (ESRCH), Kill discards the handle and starts over with a fresh one, as
// the pid may meanwhile belong to a new process.
//
// With Audit set, a Kill whose pid fits in 32 bits and whose signal is in
// range hands it one Record: the send, the refusal or the failure.
func (k *Controller) Kill(t Target, sig Signum) error {
	pid, n, err := k.check(t, sig)
	if err != nil {
		k.auditEarly(auditCall{}, t.PID, sig, err)
		return err
	}
	if pid <= 0 {
		return k.sendGroup(pid, n)
	}
	if p := k.handles.take(pid); p != nil {
		info, err := k.send(nil, p, t, n)
		if k.release(p, err) {
			k.audit(auditCall{}, pid, info, n, err)
			return err
		}
		// Its process is gone, and the pid may be another's now: this
		// was no send, and the fresh handle's is the one recorded.
	}
	p, err := k.openFor(pid, n)
	if err != nil {
		k.audit(auditCall{}, pid, Info{}, n, err)
		return err
	}
	err = k.sendChecked(nil, p, t, n)
	k.release(p, err)
	return err
}

// release puts p back for reuse after an operation that ended with err,
// or closes it if err says its process is gone (ESRCH). It reports
// whether p was kept.
func (k *Controller) release(p *Process, err error) bool {
	if errors.Is(err, unix.ESRCH) {
		p.Close()
		return false
	}
	k.handles.put(p)
	return true
}

// check validates the target and signal and applies the policy, in the
// order Kill documents.
func (k *Controller) check(t Target, sig Signum) (int, Signum, error) {
	pid, err := CheckPID(int64(t.PID))
	if err != nil {
		return 0, 0, err
	}
	n, err := CheckSignum(int64(sig))
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

// sendChecked is sendFor for Kill.
func (k *Controller) sendChecked(sw *sweep, p *Process, t Target, n Signum) error {
	return k.sendFor(auditCall{}, sw, p, t, n)
}

// sendFor sends n to the process p holds, immediately after checking it
// (see checkSend), in sweep sw, and hands Audit its Record, as the call c
// made it. Every signal the Controller sends to a process goes through
// here but a tree's STOP, checked alike and sent through stoppedSet.stop,
// and the CONT that undoes it: every send is checked at the time of the
// send, through the handle it goes through.
func (k *Controller) sendFor(c auditCall, sw *sweep, p *Process, t Target, n Signum) error {
	info, err := k.send(sw, p, t, n)
	k.audit(c, p.pid, info, n, err)
	return err
}

// send is sendFor without the Record: it checks, and sends n unless Audit
// has failed (see gate). It returns what the checks read of the target,
// or, when k audits, what describe reads before the send; nothing when
// the process is gone, or is not the one the target's start time names.
func (k *Controller) send(sw *sweep, p *Process, t Target, n Signum) (Info, error) {
	info, err := k.checkSend(sw, p, t, n)
	if !errors.Is(err, unix.ESRCH) {
		info = k.describe(p, info)
	}
	if err == nil {
		err = k.gate()
	}
	if err == nil {
		err = p.Signal(n)
	}
	return info, err
}

// checkSend checks, through p, everything the policy says about sending n
// to the process p holds: the pid rules, the target's start time, and the
// per-process rules. It returns the details it read (see checkHandle).
func (k *Controller) checkSend(sw *sweep, p *Process, t Target, n Signum) (Info, error) {
	if err := k.Policy.Check(p.pid, n); err != nil {
		return Info{}, err
	}
	return k.checkHandle(sw, p, t)
}

// checkHandle checks the target's start time, if it names one, and the
// policy's per-process rules, if any, against the process p holds. It
// returns the details it read, or a zero Info if it needed none.
func (k *Controller) checkHandle(sw *sweep, p *Process, t Target) (Info, error) {
	if t.StartTime == "" && !k.Policy.perProcess() {
		return Info{}, nil
	}
	info, err := p.Info()
	switch {
	case err != nil:
		return Info{}, err
	case t.StartTime != "" && info.StartTime != t.StartTime:
		return Info{}, &OSError{Errno: unix.ESRCH, Reason: "start_time mismatch"}
	}
	return info, k.checkProcess(sw, p, info)
}

// checkProcess applies the per-process rules to the process p holds,
// whose details, read through p, are info: the real uid, then the
// ancestry (see descends), in sweep sw. A refusal is a *PolicyError; a
// walk ended by sw's ctx is its error.
func (k *Controller) checkProcess(sw *sweep, p *Process, info Info) error {
	if err := k.Policy.checkUID(info.UID); err != nil {
		return err
	}
	if a := k.Policy.DescendantsOf; a != nil {
		ok, err := k.descends(sw, p, info.PPID, a)
		switch {
		case err != nil:
			return err
		case !ok:
			return &PolicyError{Reason: ReasonNotDescendant}
		}
	}
	return nil
}

// openFor opens a handle on pid for sending sig, and answers a thread id
// as Kill documents.
func (k *Controller) openFor(pid int, sig Signum) (*Process, error) {
	p, err := k.openProcess(pid)
	var te *threadError
	if errors.As(err, &te) {
		if te.tgid == k.Policy.Self && k.Policy.Self > 0 && sig != None {
			return nil, &PolicyError{Reason: ReasonSelf}
		}
		return nil, &OSError{Errno: unix.ESRCH, Reason: ReasonThread}
	}
	return p, err
}

// openProcess opens a handle on pid through k's system, admitting
// maxOpening goroutines at a time.
func (k *Controller) openProcess(pid int) (*Process, error) {
	if k.opening != nil {
		k.opening <- struct{}{}
		defer func() { <-k.opening }()
	}
	return k.system().open(pid)
}

// sendGroup signals a process group (pid 0 or below -1) with kill(2),
// for Kill, and hands Audit its Record.
func (k *Controller) sendGroup(pid int, n Signum) error {
	err := k.gate()
	if err == nil {
		err = AsOSError(k.system().signalGroup(pid, n))
	}
	k.audit(auditCall{}, pid, Info{}, n, err)
	return err
}
