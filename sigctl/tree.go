package sigctl

import (
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// ReasonAncestor is the reason a tree's root is refused, beside the
// Policy's, when it is an ancestor of the helper, whose tree holds the
// helper. A tree never includes the helper, its ancestors or pid 1 (see
// Controller.Terminate); pid 1 as the root is refused with ReasonInit,
// AllowInit or not, as its tree is every process.
const ReasonAncestor = "ancestor"

// The methods that find a tree's members (Termination.Method).
const (
	// MethodListing lists each member's children by parent pid, through
	// /proc, again and again until nothing new appears: a process whose
	// parent exits between two listings (a double fork) is reparented
	// out of the tree and is not found.
	MethodListing = "listing"
	// MethodForkEvents adds, besides the listing, every process a member
	// forks, from the kernel's own fork events (the netlink process
	// connector), wherever it is reparented: nothing escapes.
	MethodForkEvents = "fork-events"
)

// Bounds of a tree (see Controller.Terminate and Controller.Children).
const (
	// maxTreeMembers is the most processes a tree or a listing may hold.
	maxTreeMembers = 4096
	// maxTreePasses is how many passes of the stop pass may find new
	// members before the tree counts as still growing.
	maxTreePasses = 16
	// settleTimeout bounds how long the stop pass waits for the members
	// it stopped to halt (see tree.stop).
	settleTimeout = time.Second
	// syncEvery is how often a tree call reads fork events while it waits
	// for its members to exit.
	syncEvery = 100 * time.Millisecond
)

// Child is one process of a listing by Controller.Children.
type Child struct {
	PID, PPID int
	StartTime string // as Info reports it
	Comm      string
}

// Member is what Terminate with Tree did to one process of the tree.
type Member struct {
	PID       int
	StartTime string // as Info reports it
	Exited    bool   // it has terminated (a zombie counts)
	Escalated bool   // the escalation signal was delivered to it
	// Refused is the Reason the policy refused a send to it, "" if none
	// was refused. A member refused its STOP was left alone: neither
	// stopped nor signalled. One refused its escalation got the first
	// signal only.
	Refused string
}

// Children lists the children of process pid, or with recursive every
// descendant, parents before children, each as read through a handle on
// it (a pidfd on Linux): a listed pid is opened, and kept, only if its
// parent pid, read after the open and checked through the handle, is
// still the parent's while the parent is known to hold its pid, so a pid
// reused between the listing and the open is never taken for a child. At
// the end every process listed is checked through its handle again, and
// one that has been reaped since is left out: the listing describes
// processes that existed together. PPID is as it was when the process was
// listed.
//
// pid is checked as Inspect checks it: a *PIDError if not positive or
// beyond int32, a thread id refused alike, ESRCH if absent. The policy's
// per-process rules apply as they do to Inspect: the root must pass them
// (a *PolicyError otherwise), and a process they refuse is left out of
// the listing, though its own children, each checked on its own, are
// listed. A listing beyond maxTreeMembers processes is an *OSError with
// E2BIG. On Linux the children come from /proc/<pid>/task/*/children,
// or, where the kernel lacks that file, from the parent pid of every
// process; elsewhere Children is an error wrapping errors.ErrUnsupported.
func (k *Controller) Children(pid int, recursive bool) ([]Child, error) {
	if err := checkOneProcess(pid); err != nil {
		return nil, err
	}
	return k.children(pid, recursive)
}

// errTreeTooLarge is the answer for a tree or a listing beyond
// maxTreeMembers processes.
func errTreeTooLarge(limit int) error {
	return &OSError{Errno: unix.E2BIG, Reason: "tree has more than " + strconv.Itoa(limit) + " members"}
}

// errTreeGrowing is the answer for a tree still growing after limit
// passes of the stop pass.
func errTreeGrowing(limit int) error {
	return &OSError{Errno: unix.EAGAIN, Reason: "tree still growing after " + strconv.Itoa(limit) + " passes"}
}
