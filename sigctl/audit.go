package sigctl

import (
	"errors"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// This file is the audit seam: Controller.Audit receives a Record of
// every signal the Controller sends, or refuses or fails to send, on its
// caller's behalf. The choke points that call it are sendFor (every send
// to a process but a tree's STOP and CONT: kill, terminate's signal and
// escalation, a tree's signal and escalation), tree.pass (a tree's STOP),
// the continuing of what a tree stopped (tree.resume, Controller.Close),
// sendGroup (a process group) and the refusals that come before a
// process is opened (Controller.check, and a tree's root).

// The outcomes of a Record.
const (
	OutcomeSent    = "sent"    // the signal was delivered
	OutcomeRefused = "refused" // the policy refused it: nothing was sent
	OutcomeError   = "error"   // the system (or the helper's state) stopped it: nothing was sent
)

// The methods a Record names: the Controller method the send was made for.
const (
	RecordKill      = "kill"
	RecordTerminate = "terminate"
)

// ReasonAuditFailed is the reason of ErrAuditFailed.
const ReasonAuditFailed = "the audit log failed"

// ErrAuditFailed is the error of a send that was not made because
// Controller.Audit had failed before it: an *OSError with ECANCELED.
var ErrAuditFailed error = &OSError{Errno: unix.ECANCELED, Reason: ReasonAuditFailed}

// Record is one signal a Controller sent, or refused or failed to send,
// on its caller's behalf: what Controller.Audit receives. Its probes (the
// null signal sent to see whether a process still holds its pid) are
// not sends and have no Record; a caller's own Kill with None has one.
type Record struct {
	// Time is when the send was made or refused.
	Time time.Time
	// Method is RecordKill or RecordTerminate.
	Method string
	// PID is the target: the process, or, for a group (Kill with
	// Policy.AllowGroups), the pid given to kill(2).
	PID int
	// StartTime, Comm and UID describe the target, as read through its
	// handle just before the send: its start time (see Info), its command
	// name and its real uid. StartTime is "" and UID -1 when they were
	// not read: a refusal made before the process was opened, a process
	// gone before it could be read, a group, a system without /proc.
	StartTime string
	Comm      string
	UID       int
	// Signal is the signal sent or refused.
	Signal Signum
	// Outcome is OutcomeSent, OutcomeRefused or OutcomeError.
	Outcome string
	// Reason is, with OutcomeRefused, the policy's reason (ReasonUID,
	// ReasonInit, ...).
	Reason string
	// Errno is, with OutcomeError, the system's error, such as ESRCH; 0
	// if the error was not the system's (Detail then says what it was).
	Errno syscall.Errno
	// Detail is, with OutcomeError, the error's reason (OSError.Reason,
	// such as "start_time mismatch"), or its text when Errno is 0.
	Detail string
	// Tree is, for a send to a member of a tree (Terminate with Tree),
	// the pid of the tree's root; 0 otherwise.
	Tree int
	// Escalation reports that the send is Terminate's escalation.
	Escalation bool
}

// auditCall is what a send says of the call it is made for, for its
// Record. The zero auditCall is a Kill.
type auditCall struct {
	terminate  bool
	tree       int // the root's pid, for a tree member's send
	escalation bool
}

// method returns the Record method of c.
func (c auditCall) method() string {
	if c.terminate {
		return RecordTerminate
	}
	return RecordKill
}

// audit hands Audit the Record of sending sig to pid, which ended with
// err (nil: sent). info describes the target, if its StartTime is set
// (read by Process.Info, uid included); a zero Info describes nothing.
// An error from Audit latches: from then on the Controller sends nothing
// but the CONT that undoes its own STOP (see gate).
func (k *Controller) audit(c auditCall, pid int, info Info, sig Signum, err error) {
	if k.Audit == nil {
		return
	}
	r := Record{Time: time.Now(), Method: c.method(), PID: pid, UID: -1, Signal: sig, Tree: c.tree, Escalation: c.escalation}
	if info.StartTime != "" {
		r.StartTime, r.Comm, r.UID = info.StartTime, info.Comm, info.UID
	}
	var pe *PolicyError
	var oe *OSError
	switch {
	case err == nil:
		r.Outcome = OutcomeSent
	case errors.As(err, &pe):
		r.Outcome, r.Reason = OutcomeRefused, pe.Reason
	case errors.As(err, &oe):
		r.Outcome, r.Errno, r.Detail = OutcomeError, oe.Errno, oe.Reason
	default:
		r.Outcome, r.Detail = OutcomeError, err.Error()
	}
	if k.Audit(r) != nil {
		k.auditFailed.Store(true)
	}
}

// auditEarly records a refusal or failure err of a call that named pid
// and sig before any process was opened, if both are valid: a pid beyond
// 32 bits or a signal out of range names nothing to record.
func (k *Controller) auditEarly(c auditCall, pid int, sig Signum, err error) {
	if k.Audit == nil {
		return
	}
	if _, e := CheckPID(int64(pid)); e != nil {
		return
	}
	if _, e := CheckSignum(int64(sig)); e != nil {
		return
	}
	k.audit(c, pid, Info{}, sig, err)
}

// describe returns info if it describes the target (it was read by the
// checks), else, when k audits, what p's handle reads now; a zero Info
// if that fails. It sends nothing but the null probe Info makes.
func (k *Controller) describe(p *Process, info Info) Info {
	if k.Audit == nil || info.StartTime != "" {
		return info
	}
	if fresh, err := p.Info(); err == nil {
		return fresh
	}
	return Info{}
}

// gate returns ErrAuditFailed once Audit has failed, and nil before: a
// Controller whose trail has failed sends nothing more but the CONT that
// undoes its own STOP.
func (k *Controller) gate() error {
	if k.auditFailed.Load() {
		return ErrAuditFailed
	}
	return nil
}
