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
	// Self is the helper's own pid, refused for every signal but None.
	// The caller sets it (os.Getpid is not assumed); zero protects no
	// process.
	Self int
	// AllowUIDs, if not empty, lists the real uids whose processes may be
	// signalled (ReasonUID otherwise). Use it when sigrpc runs with more
	// privilege than its client, so the client can reach only its own
	// user's processes.
	AllowUIDs []int
	// DescendantsOf, if positive, limits targets to the descendants of
	// that process (ReasonNotDescendant otherwise). sigrpc sets it to its
	// parent, the client, so a client can signal only its own tree.
	DescendantsOf int
}

// perProcess reports whether p has rules that need to see the target.
func (p Policy) perProcess() bool {
	return len(p.AllowUIDs) > 0 || p.DescendantsOf > 0
}

// Check returns a *PolicyError if p forbids sending sig to pid, and nil
// otherwise. Pid -1 is always refused (ReasonBroadcast); pid 0 and pids
// below -1 are refused unless AllowGroups, and always when a per-process
// rule is set, since a group's members cannot all be checked
// (ReasonProcessGroup); Self is refused for every signal but None
// (ReasonSelf).
func (p Policy) Check(pid int, sig Number) error {
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

// CheckProcess applies the per-process rules to the target that info
// describes, as read through the handle that will signal it. parentOf
// returns a process's parent pid, for walking the target's ancestry at
// the time of the check. A process whose ancestry cannot be read (an
// ancestor exited meanwhile) counts as outside the tree.
func (p Policy) CheckProcess(info Info, parentOf func(pid int) (int, error)) error {
	if len(p.AllowUIDs) > 0 && !slices.Contains(p.AllowUIDs, info.UID) {
		return &PolicyError{Reason: ReasonUID}
	}
	if p.DescendantsOf > 0 && !isDescendant(info.PPID, p.DescendantsOf, parentOf) {
		return &PolicyError{Reason: ReasonNotDescendant}
	}
	return nil
}

// isDescendant reports whether ancestor is ppid or one of its ancestors.
func isDescendant(ppid, ancestor int, parentOf func(int) (int, error)) bool {
	for range maxAncestry {
		switch {
		case ppid == ancestor:
			return true
		case ppid <= 1:
			return false
		}
		var err error
		if ppid, err = parentOf(ppid); err != nil {
			return false
		}
	}
	return false
}
