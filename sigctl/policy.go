package sigctl

import "slices"

// The reasons a Policy refuses a signal.
const (
	ReasonBroadcast     = "broadcast"      // pid -1: every process
	ReasonProcessGroup  = "process-group"  // pid 0 or below -1: a process group
	ReasonSelf          = "self"           // the helper's own pid, or its own process group
	ReasonInit          = "init"           // pid 1, the init of the helper's pid namespace
	ReasonUID           = "uid"            // the target's real uid is not allowed
	ReasonNotDescendant = "not-descendant" // the target is outside DescendantsOf's tree
)

// maxAncestry bounds the walk up a process's ancestry.
const maxAncestry = 4096

// PolicyError is a refusal by Policy. Nothing was sent.
type PolicyError struct {
	Reason string // one of the Reason constants
}

// Error describes the refusal, such as "refused by policy: self".
func (e *PolicyError) Error() string { return "refused by policy: " + e.Reason }

// Policy is the safety policy checked before every send. The zero Policy
// refuses broadcasts, process groups and every signal but None to pid 1,
// and protects no pid, and no group but pid 0, as self.
type Policy struct {
	// AllowGroups permits pid 0 and pids below -1, which signal process
	// groups. Pid -1, every process, is refused regardless, and so is
	// the helper's own group (see SelfGroup).
	AllowGroups bool
	// AllowInit permits signals to pid 1, the init of the helper's pid
	// namespace, whose death ends every process of the namespace; without
	// it pid 1 is refused every signal but None (ReasonInit). A tree
	// rooted at pid 1 is refused regardless (see Controller.Terminate).
	AllowInit bool
	// Self is the helper's own pid, refused for every signal but None,
	// together with every thread of the helper. The caller sets it
	// (os.Getpid is not assumed); zero protects no process.
	Self int
	// SelfGroup is the helper's own process group id, refused every
	// signal but None as self (ReasonSelf) when named by its id (pid
	// -SelfGroup), with AllowGroups or without. Pid 0, which names the
	// sender's own group whatever its id, is refused so always. The
	// caller sets it (unix.Getpgrp is not assumed); zero protects pid 0
	// alone.
	SelfGroup int
	// AllowUIDs, if not empty, lists the real uids whose processes may be
	// signalled (ReasonUID otherwise). Use it when sigrpc runs with more
	// privilege than its client, so the client can reach only its own
	// user's processes.
	AllowUIDs []int
	// DescendantsOf, if not nil, limits targets to the descendants of the
	// process it holds (ReasonNotDescendant otherwise). sigrpc opens its
	// parent, the client, so a client can signal only its own tree. A
	// handle rather than a pid, so that the check knows the ancestor it
	// reaches is still the process it was given.
	DescendantsOf *Process
}

// perProcess reports whether p has rules that need to see the target.
func (p Policy) perProcess() bool {
	return len(p.AllowUIDs) > 0 || p.DescendantsOf != nil
}

// Check returns a *PolicyError if p forbids sending sig to pid, and nil
// otherwise. In order: pid -1 is always refused (ReasonBroadcast); the
// helper's own group, pid 0 or -SelfGroup when SelfGroup is set, is
// refused for every signal but None, with AllowGroups or without
// (ReasonSelf); pid 0 and pids below -1 are refused unless AllowGroups,
// and always when a per-process rule is set, since a group's members
// cannot all be checked (ReasonProcessGroup); Self is refused for every
// signal but None (ReasonSelf); pid 1 is refused for every signal but
// None unless AllowInit (ReasonInit). So None to the helper's own group
// is a process-group refusal without AllowGroups, and allowed with it.
func (p Policy) Check(pid int, sig Signum) error {
	switch {
	case pid == -1:
		return &PolicyError{Reason: ReasonBroadcast}
	case p.isSelfGroup(pid) && sig != None:
		return &PolicyError{Reason: ReasonSelf}
	case pid <= 0 && (!p.AllowGroups || p.perProcess()):
		return &PolicyError{Reason: ReasonProcessGroup}
	case pid > 0 && pid == p.Self && sig != None:
		return &PolicyError{Reason: ReasonSelf}
	case pid == 1 && !p.AllowInit && sig != None:
		return &PolicyError{Reason: ReasonInit}
	}
	return nil
}

// isSelfGroup reports whether pid, given to kill(2), names the helper's
// own process group: pid 0, or -SelfGroup when SelfGroup is set.
func (p Policy) isSelfGroup(pid int) bool {
	return pid == 0 || (p.SelfGroup > 0 && pid == -p.SelfGroup)
}

// checkUID applies the AllowUIDs rule to a process whose real uid is uid.
func (p Policy) checkUID(uid int) error {
	if len(p.AllowUIDs) > 0 && !slices.Contains(p.AllowUIDs, uid) {
		return &PolicyError{Reason: ReasonUID}
	}
	return nil
}
