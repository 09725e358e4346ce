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
}

// Check returns a *PolicyError if p forbids sending sig to pid, and nil
// otherwise. Pid -1 is always refused (ReasonBroadcast); pid 0 and pids
// below -1 are refused unless AllowGroups (ReasonProcessGroup); Self is
// refused for every signal but None (ReasonSelf).
func (p Policy) Check(pid int, sig Number) error {
	switch {
	case pid == -1:
		return &PolicyError{Reason: ReasonBroadcast}
	case pid <= 0 && !p.AllowGroups:
		return &PolicyError{Reason: ReasonProcessGroup}
	case pid > 0 && pid == p.Self && sig != None:
		return &PolicyError{Reason: ReasonSelf}
	}
	return nil
}
