package sigctl

import (
	"context"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// system is what a Controller asks of the operating system: handles on
// processes, the delivery of signals, and waits for processes to
// terminate. The real one is osSystem; tests substitute another, to
// record the signals a call sends instead of sending them, to force the
// fallbacks of older kernels, or to make a wait miss an exit, as a
// polling wait could.
type system interface {
	// open returns a handle on process pid, which is positive: a pidfd,
	// or the bare pid where there are none. The handle's signals go
	// through this system. A pid with no process is an *OSError with
	// ESRCH; a thread id that is not its process's leader is a
	// *threadError.
	open(pid int) (*Process, error)
	// signal delivers sig to the process p holds, p being a handle this
	// system opened. Process.Signal makes an *OSError of its error.
	signal(p *Process, sig Signum) error
	// signalGroup delivers sig with kill(2) to pid, which names a
	// process group: 0 (the caller's) or below -1.
	signalGroup(pid int, sig Signum) error
	// wait waits up to d for the process p holds to terminate, as
	// p.WaitTimeout does, and reports whether it has.
	wait(ctx context.Context, p *Process, d time.Duration) bool
	// childrenFiles reports whether a process's children are to be read
	// from /proc/<pid>/task/<tid>/children; if not, they are found from
	// the parent pid of every process.
	childrenFiles() bool
}

// osSystem is the real system. Its zero value uses all the kernel
// offers; tests set its fields to take the paths of older kernels.
type osSystem struct {
	noPidfd        bool // hold bare pids, as where there are no pidfds (Linux before 5.3)
	noChildrenFile bool // list children from parent pids, as without CONFIG_PROC_CHILDREN
}

func (s osSystem) open(pid int) (*Process, error) { return openProcess(pid, !s.noPidfd) }

func (osSystem) signal(p *Process, sig Signum) error { return p.signal(sig) }

func (osSystem) signalGroup(pid int, sig Signum) error {
	return unix.Kill(pid, syscall.Signal(sig))
}

func (osSystem) wait(ctx context.Context, p *Process, d time.Duration) bool {
	return p.WaitTimeout(ctx, d)
}

// system returns the system k works through: k.sys, or the real one.
func (k *Controller) system() system {
	if k.sys != nil {
		return k.sys
	}
	return osSystem{}
}

// system returns the system that delivers p's signals: the one that
// opened it, or the real one.
func (p *Process) system() system {
	if p.sys != nil {
		return p.sys
	}
	return osSystem{}
}

// testHooks lets a test watch and steer a Controller's calls at points
// that are not system calls, and lower the bounds of a tree so that small
// trees reach them. Outside tests a Controller has none: the methods of a
// nil *testHooks do nothing and return the real bounds.
type testHooks struct {
	// onWalkStep, if set, runs at each step of an ancestry walk, before
	// the parent ppid of child is opened or found proven (see
	// Controller.descends). Tests count the steps with it, hold a call
	// in the middle of a check, or replace the parent with another
	// process on the same pid, mid-walk.
	onWalkStep func(child, ppid int)
	// onStopped, if set, runs after each stop pass of Terminate with
	// Tree, every member it could stop stopped; an error it returns ends
	// the call as any failure would. Tests fail the call half-way with
	// it, or change a member while the tree is stopped.
	onStopped func() error
	// maxMembers and maxPasses, if not zero, replace maxTreeMembers and
	// maxTreePasses.
	maxMembers, maxPasses int
}

// walkStep runs the onWalkStep hook, if any.
func (h *testHooks) walkStep(child, ppid int) {
	if h != nil && h.onWalkStep != nil {
		h.onWalkStep(child, ppid)
	}
}

// afterStop runs the onStopped hook, if any, and returns its error.
func (h *testHooks) afterStop() error {
	if h != nil && h.onStopped != nil {
		return h.onStopped()
	}
	return nil
}

// memberLimit is the most processes a tree or a listing may hold.
func (h *testHooks) memberLimit() int {
	if h != nil && h.maxMembers != 0 {
		return h.maxMembers
	}
	return maxTreeMembers
}

// passLimit is how many passes of the stop pass may find new members.
func (h *testHooks) passLimit() int {
	if h != nil && h.maxPasses != 0 {
		return h.maxPasses
	}
	return maxTreePasses
}
