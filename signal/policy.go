package signal

import "slices"

// The reasons a Policy refuses a signal.
const (
	ReasonBroadcast     = "broadcast"      // pid -1: every process
	ReasonProcessGroup  = "process-group"  // pid 0 or below -1: a process group
	ReasonSelf          = "self"           // the helper's own pid
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
// refuses broadcasts and process groups and protects no pid as self.
type Policy struct {
	// AllowGroups permits pid 0 and pids below -1, which signal process
	// groups. Pid -1, every process, is refused regardless.
	AllowGroups bool
	// Self is the helper's own pid, refused for every signal but None,
	// together with every thread of the helper. The caller sets it
	// (os.Getpid is not assumed); zero protects no process.
	Self int
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
// otherwise. Pid -1 is always refused (ReasonBroadcast); pid 0 and pids
// below -1 are refused unless AllowGroups, and always when a per-process
// rule is set, since a group's members cannot all be checked
// (ReasonProcessGroup); Self is refused for every signal but None
// (ReasonSelf).
func (p Policy) Check(pid int, sig Signum) error {
	switch {
	case pid == -1:
		return &PolicyError{Reason: ReasonBroadcast}
	case pid <= 0 && (!p.AllowGroups || p.perProcess()):
		return &PolicyError{Reason: ReasonProcessGroup}
	case pid > 0 && pid == p.Self && sig != None:
		return &PolicyError{Reason: ReasonSelf}
	}
	return nil
}

// checkUID applies the AllowUIDs rule to a process whose real uid is uid.
func (p Policy) checkUID(uid int) error {
	if len(p.AllowUIDs) > 0 && !slices.Contains(p.AllowUIDs, uid) {
		return &PolicyError{Reason: ReasonUID}
	}
	return nil
}
