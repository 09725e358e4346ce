package signal

// The reasons a Policy refuses a signal.
const (
	ReasonBroadcast    = "broadcast"     // pid -1: every process
	ReasonProcessGroup = "process-group" // pid 0 or below -1: a process group
	ReasonSelf         = "self"          // the helper's own pid
)

// PolicyError is a refusal by Policy. Nothing was sent.
type PolicyError struct {
	Reason string // one of the Reason constants
}

// Error describes the refusal.
func (e *PolicyError) Error() string { return "refused by policy: " + e.Reason }

// Policy is the safety policy checked before every send.
type Policy struct {
	// AllowGroups permits pid 0 and pids below -1, which signal process
	// groups. Pid -1, every process, is refused regardless.
	AllowGroups bool
	// Self is the helper's own pid, refused for every signal but None.
	// The caller sets it; zero matches no process.
	Self int
}

// Check returns a *PolicyError if p forbids sending sig to pid.
func (p Policy) Check(pid int, sig Number) error {
	switch {
	case pid == -1:
		return &PolicyError{Reason: ReasonBroadcast}
	case pid <= 0 && !p.AllowGroups:
		return &PolicyError{Reason: ReasonProcessGroup}
	case pid == p.Self && pid != 0 && sig != None:
		return &PolicyError{Reason: ReasonSelf}
	}
	return nil
}
