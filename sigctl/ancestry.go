package sigctl

import "context"

// A sweep is the scope of the checks of one operation over many
// processes: one listing by Children, one pass of a tree's stop pass, one
// round of sends to a tree's members. Its ctx ends its ancestry walks.
// With memo, it remembers every process an ancestry walk has proven to
// descend from Policy.DescendantsOf, so that a later check in the sweep
// whose walk reaches such a process stops there: a chain of n processes
// is checked in O(n) steps, not O(n²). A process proven is trusted for
// the rest of the sweep, as a walk trusts the links it has climbed for
// the rest of the walk; each sweep starts afresh, so a process that has
// left the tree since is refused by the next sweep's check. A nil *sweep
// is a sweep of one check, without memo, that ctx never ends. A sweep is
// used by one goroutine; close releases what it holds.
type sweep struct {
	ctx context.Context
	// proven maps a pid to a process proven to descend, held through a
	// handle the sweep owns; nil without memo. An entry is used only
	// after checking, through its handle, that its process still holds
	// the pid (see provenProcess.holds): it is keyed by identity, not by
	// bare pid.
	proven map[int]provenProcess
}

// provenProcess is a process a sweep has proven to descend.
type provenProcess struct {
	p         *Process
	startTime string // as statInfo read it through p
}

// newSweep returns a sweep that ctx ends and, with memo, that remembers
// the processes it proves to descend.
func newSweep(ctx context.Context, memo bool) *sweep {
	sw := &sweep{ctx: ctx}
	if memo {
		sw.proven = make(map[int]provenProcess)
	}
	return sw
}

// err returns the error of the sweep's ctx, if it has ended.
func (sw *sweep) err() error {
	if sw == nil {
		return nil
	}
	return sw.ctx.Err()
}

// close releases the handles of the processes sw remembers.
func (sw *sweep) close() {
	if sw == nil {
		return
	}
	for _, e := range sw.proven {
		e.p.Close()
	}
	sw.proven = nil
}

// provenAt returns the process remembered at pid, if any.
func (sw *sweep) provenAt(pid int) (provenProcess, bool) {
	if sw == nil {
		return provenProcess{}, false
	}
	e, ok := sw.proven[pid]
	return e, ok
}

// forget drops the process remembered at pid, which no longer holds it.
func (sw *sweep) forget(pid int) {
	if sw == nil {
		return
	}
	if e, ok := sw.proven[pid]; ok {
		e.p.Close()
		delete(sw.proven, pid)
	}
}

// remember takes the handles of processes just proven to descend: sw
// keeps them if it has memo, and closes them otherwise (or if it holds
// their pid already).
func (sw *sweep) remember(proven []provenProcess) {
	for _, e := range proven {
		if sw == nil || sw.proven == nil {
			e.p.Close()
			continue
		}
		if _, dup := sw.proven[e.p.pid]; dup {
			e.p.Close()
			continue
		}
		sw.proven[e.p.pid] = e
	}
}

// holds reports whether the remembered process still holds its pid: it
// has not been reaped (checked through its handle, a pidfd, which no
// other process can answer for) and the pid's start time is still its
// own (which is what identifies it where the handle holds a bare pid).
func (e provenProcess) holds() bool {
	info, err := e.p.statInfo()
	return err == nil && info.StartTime == e.startTime
}

// descends reports whether the process child holds, whose parent pid is
// ppid, descends from the process ancestor holds. It climbs one link at a
// time through handles: it opens the parent that ppid names, then reads
// the child's parent again through the child's handle. If that is still
// ppid, the parent was alive all along with that pid, so the new handle
// holds the child's parent, whatever the pid named before it was opened;
// a pid reused during the walk cannot change the answer. A link that
// cannot be verified (a parent exited meanwhile) counts as outside the
// tree: the check fails closed. On reaching ancestor's pid, ancestor must
// still be running, so that its pid still names it.
//
// A parent the sweep has already proven to descend ends the walk in one
// step: the remembered process is checked, through its handle, to still
// hold ppid, then the child's parent is read again and must still be
// ppid, as above, so the child's parent is that very process; ancestor
// must still be running. Every parent the walk opens is proven with the
// child, and remembered by the sweep. Without pidfds the links are read
// by pid, and the window between reads remains; a remembered process is
// then identified by its pid and start time. The walk ends with the
// sweep's ctx: the answer is then ctx's error.
func (k *Controller) descends(sw *sweep, child *Process, ppid int, ancestor *Process) (ok bool, err error) {
	var opened []provenProcess
	defer func() {
		if ok {
			sw.remember(opened)
			return
		}
		for _, e := range opened {
			e.p.Close()
		}
	}()
	for range maxAncestry {
		if err := sw.err(); err != nil {
			return false, err
		}
		k.hooks.walkStep(child.pid, ppid)
		switch {
		case ppid == ancestor.pid:
			return !ancestor.Exited(), nil
		case ppid <= 1:
			return false, nil
		}
		if e, found := sw.provenAt(ppid); found {
			if e.holds() {
				again, err := child.parentPID()
				return err == nil && again == ppid && !ancestor.Exited(), nil
			}
			sw.forget(ppid) // reaped: the pid may be another's now
		}
		parent, err := k.openProcess(ppid)
		if err != nil {
			return false, nil
		}
		if again, err := child.parentPID(); err != nil || again != ppid {
			parent.Close()
			return false, nil
		}
		info, err := parent.statInfo()
		if err != nil {
			parent.Close()
			return false, nil
		}
		opened = append(opened, provenProcess{p: parent, startTime: info.StartTime})
		child, ppid = parent, info.PPID
	}
	return false, nil
}
