package sigctl

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// This file lists process trees from /proc, each member verified through a
// pidfd, and terminates them: Controller.Children and Terminate with Tree.

// hasChildrenFile reports whether this kernel has
// /proc/<pid>/task/<tid>/children (CONFIG_PROC_CHILDREN).
var hasChildrenFile = sync.OnceValue(func() bool {
	_, err := os.Stat("/proc/thread-self/children")
	return err == nil
})

// lister finds the pids /proc lists as a process's children: from the
// children file of each of its tasks or, where the kernel has none, from
// an index of every process's parent pid, made at most once per pass.
type lister struct {
	files bool
	index map[int][]int // the fallback's parent pid → pids; nil until needed
}

// newLister returns the lister k's system calls for.
func (k *Controller) newLister() *lister {
	return &lister{files: k.system().childrenFiles()}
}

// childrenFiles reports whether this kernel has the children files, and
// s does not forgo them.
func (s osSystem) childrenFiles() bool { return !s.noChildrenFile && hasChildrenFile() }

// pass forgets what the last pass read.
func (l *lister) pass() { l.index = nil }

// list returns the pids /proc lists as children of process pid, and
// whether every task of it had halted (see haltedState) before they were
// read, with no task added meanwhile. A process with no tasks left is
// ESRCH. It reads by pid: the caller checks through a handle that pid
// still named its process after the reading.
func (l *lister) list(pid int) (pids []int, halted bool, err error) {
	again, halted, err := l.halted(pid)
	if err != nil {
		return nil, false, err
	}
	if !l.files {
		if l.index == nil {
			if l.index, err = parentIndex(); err != nil {
				return nil, false, err
			}
		}
		return l.index[pid], halted, nil
	}
	for _, task := range again {
		b, err := readProc(pid, "task/"+task+"/children")
		if errors.Is(err, unix.ESRCH) {
			continue // the thread exited; its children went to another thread or were reparented
		}
		if err != nil {
			return nil, false, AsOSError(err)
		}
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(f); err == nil {
				pids = append(pids, n)
			}
		}
	}
	return pids, halted, nil
}

// halted reports whether every task of process pid had halted (see
// haltedState), with no task added while they were read, and returns
// the tasks. A process with no tasks left is ESRCH.
func (l *lister) halted(pid int) (tasks []string, halted bool, err error) {
	stat, err := readProc(pid, "stat")
	if err != nil {
		return nil, false, err
	}
	if state, lone := loneThread(stat); lone {
		// The one thread there was when the stat line was made is the
		// leader, whose state it shows, read before the count: if it had
		// halted, nothing could have started another thread since.
		tid := strconv.Itoa(pid)
		return []string{tid}, state == 'T' || state == 't' || inVforkWait(pid, tid, stat), nil
	}
	tasks, err = readProcDir(pid, "task")
	if err != nil {
		return nil, false, err
	}
	halted = true
	for _, task := range tasks {
		stat, err := readProc(pid, "task/"+task+"/stat")
		if err != nil || !(haltedState(stat) || inVforkWait(pid, task, stat)) {
			halted = false // a thread that exited since the listing is read again next pass
		}
	}
	// A thread started after the first listing might still fork.
	again, err := readProcDir(pid, "task")
	if err != nil {
		return nil, false, err
	}
	if !slices.Equal(again, tasks) {
		halted = false
	}
	return again, halted, nil
}

// loneThread reads a process's stat line: whether it had one thread, and
// that thread is the leader (its state is not Z or X: a leader that has
// exited shows Z while other threads live on), and the leader's state.
func loneThread(stat []byte) (state byte, lone bool) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return 0, false
	}
	state = stat[i+2]
	fields := bytes.Fields(stat[i+1:])
	const numThreads = 17 // field 20, counted from the state, field 3
	if len(fields) <= numThreads || string(fields[numThreads]) != "1" {
		return state, false
	}
	return state, state != 'Z' && state != 'X' && state != 'x'
}

// readProcDir returns the names in /proc/<pid>/<name> (or in /proc itself
// for pid 0); one that is gone is ESRCH. Like readProc it refuses a /proc
// of another pid namespace.
func readProcDir(pid int, name string) ([]string, error) {
	if !procIsOurs() {
		return nil, errForeignProc
	}
	var entries []os.DirEntry
	var err error
	if pid > 0 {
		entries, err = os.ReadDir("/proc/" + strconv.Itoa(pid) + "/" + name)
	} else {
		entries, err = os.ReadDir("/proc/")
	}
	if isGone(err) {
		return nil, &OSError{Errno: unix.ESRCH}
	}
	if err != nil {
		return nil, AsOSError(err)
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	return names, nil
}

// isGone reports whether err says a /proc entry has gone with its process.
func isGone(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, unix.ESRCH)
}

// haltedState reports whether a task's stat line shows it stopped (T),
// stopped by a tracer (t) or exiting (Z, X): a task that cannot fork
// until it is continued. A task only stops on its way back to user space,
// so a fork it was making when STOP came has finished by then.
func haltedState(stat []byte) bool {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return false
	}
	switch stat[i+2] {
	case 'T', 't', 'Z', 'X', 'x':
		return true
	}
	return false
}

// parentIndex reads the parent pid of every process in /proc.
func parentIndex() (map[int][]int, error) {
	names, err := readProcDir(0, "")
	if err != nil {
		return nil, err
	}
	index := make(map[int][]int)
	for _, name := range names {
		pid, err := strconv.Atoi(name)
		if err != nil || pid <= 0 {
			continue
		}
		stat, err := readProc(pid, "stat")
		if err != nil {
			continue // gone since the listing
		}
		if info, err := parseStat(stat); err == nil {
			index[info.PPID] = append(index[info.PPID], pid)
		}
	}
	return index, nil
}

// found is a child that childrenOf verified, with the handle it holds.
type found struct {
	p    *Process
	info Info
}

// childrenOf returns the children of the process parent holds, as l lists
// them, less the pids skip names, each opened and verified (see
// verifyChild), oldest first; and whether parent had halted before they
// were listed. With full each one's Info has its uid too. After the
// reading it checks through parent that parent's pid still named it: if
// not (parent was reaped), the answer is ESRCH and nothing is kept.
func (k *Controller) childrenOf(l *lister, parent *Process, skip func(pid int) bool, full bool) (kids []found, halted bool, err error) {
	pids, halted, err := l.list(parent.pid)
	if err != nil {
		return nil, false, err
	}
	defer func() {
		if err != nil {
			for _, f := range kids {
				f.p.Close()
			}
			kids = nil
		}
	}()
	for _, pid := range pids {
		if skip(pid) {
			continue
		}
		f, ok, err := k.verifyChild(parent, pid, full)
		if err != nil {
			return kids, false, err
		}
		if ok {
			kids = append(kids, f)
		}
	}
	if err := parent.Signal(None); err != nil && !errors.Is(err, unix.EPERM) {
		return kids, false, err
	}
	slices.SortFunc(kids, func(a, b found) int {
		return cmp.Or(cmp.Compare(len(a.info.StartTime), len(b.info.StartTime)),
			strings.Compare(a.info.StartTime, b.info.StartTime), cmp.Compare(a.p.pid, b.p.pid))
	})
	return kids, halted, nil
}

// verifyChild opens pid and reports, with the handle, whether it holds a
// child of the process parent holds: its parent pid, read after the open
// and checked through the new handle (statInfo), is parent's pid. The
// caller then checks that parent's pid still named parent after this
// reading (childrenOf does, through parent), so that a pid listed as a
// child and reused by another process before the open is never taken for
// one. A pid that is gone, or a thread, is not a child; a failure to open
// one is an error, since a child that cannot be held cannot be stopped.
func (k *Controller) verifyChild(parent *Process, pid int, full bool) (found, bool, error) {
	p, err := k.openProcess(pid)
	var te *threadError
	switch {
	case errors.Is(err, unix.ESRCH) || errors.As(err, &te):
		return found{}, false, nil
	case err != nil:
		return found{}, false, err
	}
	read := p.statInfo
	if full {
		read = p.Info
	}
	info, err := read()
	switch {
	case errors.Is(err, unix.ESRCH):
		p.Close()
		return found{}, false, nil
	case err != nil:
		p.Close()
		return found{}, false, err
	case info.PPID != parent.pid:
		p.Close()
		return found{}, false, nil
	}
	return found{p, info}, true, nil
}

// children implements Children on Linux.
func (k *Controller) children(pid int, recursive bool) (_ []Child, err error) {
	root, err := k.openFor(pid, None)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	// One sweep for the listing: each process is proven to descend
	// through its parent, proven before it.
	sw := newSweep(context.Background(), true)
	defer sw.close()
	if _, err := k.checkHandle(sw, root, Target{PID: pid}); err != nil {
		return nil, err
	}
	full, limit, l := k.Policy.perProcess(), k.hooks.memberLimit(), k.newLister()
	var listed []found
	var shown []bool
	defer func() {
		for _, f := range listed {
			f.p.Close()
		}
	}()
	seen := map[int]bool{pid: true}
	parents := []*Process{root}
	for i := 0; i < len(parents); i++ {
		kids, _, err := k.childrenOf(l, parents[i], func(pid int) bool { return seen[pid] }, full)
		switch {
		case i > 0 && errors.Is(err, unix.ESRCH):
			continue // a descendant reaped since it was listed: it has no children left
		case err != nil:
			return nil, err
		}
		for j, f := range kids {
			if len(listed) == limit {
				for _, rest := range kids[j:] {
					rest.p.Close()
				}
				return nil, errTreeTooLarge(limit)
			}
			seen[f.p.pid] = true
			listed = append(listed, f)
			// A narrowed helper describes only what it may signal; a
			// process it may not is left out, not its children.
			shown = append(shown, !full || k.checkProcess(sw, f.p, f.info) == nil)
			if recursive {
				parents = append(parents, f.p)
			}
		}
	}
	out := []Child{}
	for i, f := range listed {
		if !shown[i] {
			continue
		}
		if err := f.p.Signal(None); err != nil && !errors.Is(err, unix.EPERM) {
			continue // reaped since it was listed
		}
		out = append(out, Child{PID: f.p.pid, PPID: f.info.PPID, StartTime: f.info.StartTime, Comm: f.info.Comm})
	}
	return out, nil
}

// excluded returns the pids a tree never includes: pid 1, the helper
// (Policy.Self, and the process this runs in) and the helper's ancestors,
// read up from /proc. The ancestors are alive, so their pids name them;
// one that exits during the call can only make the set exclude more.
func (k *Controller) excluded() map[int]bool {
	ex := map[int]bool{1: true}
	if k.Policy.Self > 0 {
		ex[k.Policy.Self] = true
	}
	for pid, n := os.Getpid(), 0; pid > 1 && n < maxAncestry; n++ {
		ex[pid] = true
		stat, err := readProc(pid, "stat")
		if err != nil {
			break
		}
		info, err := parseStat(stat)
		if err != nil {
			break
		}
		pid = info.PPID
	}
	return ex
}

// member is one process of a tree, as terminateTree tracks it.
type member struct {
	p         *Process
	startTime string
	stopped   bool // STOP was delivered and CONT not yet sent
	halted    bool // seen halted since that STOP
	gone      bool // it has terminated (a zombie counts)
	escalated bool
	refused   string // the Reason of the first refused send
	listed    bool   // its children have been read once
	id        ident  // its identity in the fork events, if followed
	dropped   bool   // its handle turned out to hold no member: never signalled, not reported
}

// tree is the state of one call of Terminate with Tree.
type tree struct {
	k       *Controller
	l       *lister
	members []*member // parents before children
	byPID   map[int]*member
	exclude map[int]bool
	fe      *treeEvents // fork events; nil where the kernel gives none
	// unsettled is set when a stop pass ended with a member that had not
	// halted (see stop): it might still have been forking.
	unsettled bool
	// root is the pid of the tree's root, which its sends' Records name.
	root int
}

// terminateTree implements Terminate with Tree on Linux. The caller has
// validated t and both signals.
func (k *Controller) terminateTree(ctx context.Context, t Target, opts TerminateOptions) (Termination, error) {
	exclude := k.excluded()
	call := auditCall{terminate: true, tree: t.PID}
	var refused error
	switch {
	case t.PID == 1:
		refused = &PolicyError{Reason: ReasonInit}
	case t.PID == os.Getpid() || t.PID == k.Policy.Self:
		refused = &PolicyError{Reason: ReasonSelf}
	case exclude[t.PID]:
		refused = &PolicyError{Reason: ReasonAncestor}
	}
	if refused != nil {
		k.audit(call, t.PID, Info{}, opts.Signal, refused)
		return Termination{}, refused
	}
	root, err := k.openFor(t.PID, opts.Signal)
	if err != nil {
		k.audit(call, t.PID, Info{}, opts.Signal, err)
		return Termination{}, err
	}
	info, err := k.checkHandle(newSweep(ctx, false), root, t)
	if err != nil && ctx.Err() == nil {
		// Refused (or gone) before its first STOP: the client's signal is
		// what was refused.
		if !errors.Is(err, unix.ESRCH) {
			info = k.describe(root, info)
		}
		k.audit(call, t.PID, info, opts.Signal, err)
	}
	if err == nil && info.StartTime == "" {
		info, err = root.statInfo()
	}
	if err != nil {
		root.Close()
		return Termination{}, err
	}
	tr := &tree{k: k, l: k.newLister(), byPID: make(map[int]*member), exclude: exclude, root: t.PID}
	tr.add(root, info.StartTime)
	defer tr.close()
	tr.subscribe()
	defer tr.unsubscribe()
	// Whatever happens from here, an error, a panic, every member still
	// stopped is continued (before the handles are closed).
	defer tr.resume()
	start := time.Now()
	if err := tr.round(ctx, opts.Signal, false); err != nil {
		return Termination{}, err
	}
	tr.wait(ctx, opts.Timeout)
	// What the members forked as they went (a TERM handler's last act)
	// joins the tree now, and is escalated to if it runs.
	if _, err := tr.sync(); err != nil {
		return Termination{}, err
	}
	if opts.Escalate && ctx.Err() == nil && tr.running() {
		if err := tr.round(ctx, opts.EscalateSignal, true); err != nil {
			return Termination{}, err
		}
		tr.wait(ctx, opts.EscalateTimeout)
	}
	if _, err := tr.sync(); err != nil { // what was forked since the last pass
		return Termination{}, err
	}
	res := tr.result()
	res.Elapsed = time.Since(start)
	return res, nil
}

// add makes the process p holds, which started at startTime, a member.
func (tr *tree) add(p *Process, startTime string) *member {
	m := &member{p: p, startTime: startTime}
	tr.members = append(tr.members, m)
	tr.byPID[p.pid] = m
	return m
}

// close releases every member's handle.
func (tr *tree) close() {
	for _, m := range tr.members {
		m.p.Close()
	}
}

// target is what m's sends are checked against: its pid and, where its
// handle holds a bare pid, its start time.
func (m *member) target() Target {
	if m.p.fd >= 0 {
		// A pidfd holds the process itself and can reach no other:
		// reading its start time again before each send proves nothing.
		return Target{PID: m.p.pid}
	}
	return Target{PID: m.p.pid, StartTime: m.startTime}
}

// round stops the tree (see stop), sends sig to every member it may,
// children before parents, and continues every member it stopped. ctx
// ends it, with its error, before any member's send; the caller then
// continues every member still stopped.
func (tr *tree) round(ctx context.Context, sig Signum, escalation bool) error {
	if err := tr.stop(ctx); err != nil {
		return err
	}
	if tr.fe != nil {
		// Every member is known now, and every later one is born of a
		// member: the log need not keep the system's other forks.
		tr.fe.log.narrow()
	}
	if err := tr.k.hooks.afterStop(); err != nil {
		return err
	}
	// Children first: a child is signalled while its parent, stopped,
	// still holds it in the tree (under --descendants-only a child whose
	// parent died first would be out of the client's tree). The first
	// check climbs the whole ancestry of the deepest member, and proves
	// every member above it for the rest of the sweep.
	sw := newSweep(ctx, true)
	defer sw.close()
	for i := len(tr.members) - 1; i >= 0; i-- {
		m := tr.members[i]
		if m.gone || m.refused != "" {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		err := tr.k.sendFor(auditCall{terminate: true, tree: tr.root, escalation: escalation}, sw, m.p, m.target(), sig)
		var pe *PolicyError
		switch {
		case err == nil:
			m.escalated = m.escalated || escalation
		case errors.As(err, &pe):
			m.refused = pe.Reason
		case errors.Is(err, unix.ESRCH):
			m.gone = true
		default:
			return err
		}
	}
	tr.resume()
	return nil
}

// stop stops the tree from growing. Each pass goes through the members,
// parents before children: it sends STOP to each one not stopped yet
// (unless the policy refuses it: that member is left alone), then lists
// its children and makes members of the new ones, which the same pass
// reaches in turn. A process forked while a pass runs is found by the
// next. The passes end with one that finds no new member and that began
// with every stopped member seen halted, so that no member was still
// making a fork when its children were listed (followed by fork events,
// with one that finds no new member and saw every member halted); or, if
// a member does not
// halt (a vfork parent waiting for a stopped child, a task in
// uninterruptible sleep), after settleTimeout. A tree that still finds
// new members after passLimit passes is an error, as is one beyond
// memberLimit members. ctx ends the passes, and the waits between them,
// with its error; so does Close (ErrClosed) at the next STOP. The caller
// continues every member stopped.
func (tr *tree) stop(ctx context.Context) error {
	limit := tr.k.hooks.passLimit()
	settleBy := time.Now().Add(settleTimeout)
	delay := 50 * time.Microsecond
	for growing := 0; ; {
		settled := tr.settled()
		added, err := tr.pass(ctx)
		if err != nil {
			return err
		}
		if added > 0 {
			if growing++; growing >= limit {
				return errTreeGrowing(limit)
			}
			continue
		}
		// Followed by fork events, a pass that saw every member halted
		// is the last: each fork a member made before it halted was in
		// the events the pass drained at its end, and made a member.
		if settled || (tr.followed() && tr.settled()) {
			return nil
		}
		if time.Now().After(settleBy) {
			tr.unsettled = true
			return nil
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		delay = min(2*delay, 5*time.Millisecond)
	}
}

// settled reports whether every member that may be stopped is stopped and
// has been seen halted.
func (tr *tree) settled() bool {
	for _, m := range tr.members {
		if !m.gone && m.refused == "" && !(m.stopped && m.halted) {
			return false
		}
	}
	return true
}

// pass is one pass of stop, and one sweep of checks; it returns how many
// members it added. Each STOP is checked as every send is (checkSend),
// then sent through k's stoppedSet, which Close continues. ctx ends the
// pass, before any member, with its error.
func (tr *tree) pass(ctx context.Context) (added int, err error) {
	limit := tr.k.hooks.memberLimit()
	tr.l.pass()
	sw := newSweep(ctx, true)
	defer sw.close()
	if added, err = tr.sync(); err != nil {
		return added, err
	}
	for i := 0; i < len(tr.members); i++ {
		if err := ctx.Err(); err != nil {
			return added, err
		}
		m := tr.members[i]
		if m.gone {
			continue
		}
		if m.p.Exited() {
			m.gone = true // a zombie has no children: they were reparented
			continue
		}
		if !m.stopped && m.refused == "" {
			// sendFor's steps, the STOP sent through the stopped set.
			info, err := tr.k.checkSend(sw, m.p, m.target(), sigStop)
			if !errors.Is(err, unix.ESRCH) {
				info = tr.k.describe(m.p, info)
			}
			if err == nil {
				err = tr.k.gate()
			}
			if err == nil {
				err = tr.k.stopped.stopFor(m.p, stopNote{pid: m.p.pid, info: info, root: tr.root})
			}
			tr.k.audit(auditCall{terminate: true, tree: tr.root}, m.p.pid, info, sigStop, err)
			var pe *PolicyError
			switch {
			case err == nil:
				m.stopped, m.halted = true, false
			case errors.As(err, &pe):
				m.refused = pe.Reason
			case errors.Is(err, unix.ESRCH):
				m.gone = true
				continue
			default:
				return added, err
			}
		}
		if tr.followed() && m.listed {
			// Fork events name every child it has had since its children
			// were read: only whether it has halted is left to see.
			_, halted, err := tr.l.halted(m.p.pid)
			if err == nil {
				err = m.p.Signal(None) // the pid still named it after the reading
			}
			switch {
			case errors.Is(err, unix.ESRCH):
				m.gone = true
			case err != nil && !errors.Is(err, unix.EPERM):
				return added, err
			default:
				m.halted = m.halted || (m.stopped && halted)
			}
			continue
		}
		kids, halted, err := tr.k.childrenOf(tr.l, m.p, tr.skip, false)
		switch {
		case errors.Is(err, unix.ESRCH):
			m.gone = true // reaped: its children were reparented
			continue
		case err != nil:
			return added, err
		}
		m.listed = true
		m.halted = m.halted || (m.stopped && halted)
		for j, f := range kids {
			if len(tr.members) >= limit {
				for _, rest := range kids[j:] {
					rest.p.Close()
				}
				return added, errTreeTooLarge(limit)
			}
			tr.listed(tr.add(f.p, f.info.StartTime))
			added++
		}
	}
	n, err := tr.sync()
	return added + n, err
}

// skip reports whether a pid listed as a child is not to be made a
// member: it is excluded, or already a member (whose handle still holds
// that pid: a member reaped since may have left its pid to a new process).
func (tr *tree) skip(pid int) bool {
	if tr.exclude[pid] {
		return true
	}
	m := tr.byPID[pid]
	return m != nil && !errors.Is(m.p.Signal(None), unix.ESRCH)
}

// resume sends CONT to every member still stopped, children first,
// through k's stoppedSet (nothing to one Close has continued already).
// CONT is not checked against the policy: it only undoes this call's own
// STOP, to the very process that got it, and a process must never be left
// stopped, even one that has left the client's tree since.
func (tr *tree) resume() {
	for i := len(tr.members) - 1; i >= 0; i-- {
		m := tr.members[i]
		if !m.stopped {
			continue
		}
		m.stopped, m.halted = false, false
		if note, sent, err := tr.k.stopped.contFor(m.p); sent {
			tr.k.audit(auditCall{terminate: true, tree: tr.root}, note.pid, note.info, sigCont, err)
		}
	}
}

// wait waits up to d for every member that was signalled to terminate:
// one after another, with one deadline, each wait parked on the runtime
// poller, so that no member needs a thread or a goroutine of its own.
// With fork events it reads them every syncEvery meanwhile, so that a
// long wait on a busy system does not overflow the kernel's queue; what
// members fork meanwhile joins the tree (and is escalated to, if it
// runs), but is not waited for in this wait.
func (tr *tree) wait(ctx context.Context, d time.Duration) {
	deadline := time.Now().Add(d)
	waiting := len(tr.members)
	for i := 0; i < waiting; i++ {
		m := tr.members[i]
		if m.gone || m.refused != "" {
			continue
		}
		for {
			slice := time.Until(deadline)
			if tr.fe != nil {
				slice = min(slice, syncEvery)
			}
			if tr.k.system().wait(ctx, m.p, slice) {
				m.gone = true
				break
			}
			if ctx.Err() != nil || !time.Now().Before(deadline) {
				break
			}
			if _, err := tr.sync(); err != nil {
				tr.fe.lost = true // no longer followed: not complete
			}
		}
	}
}

// running reports whether a member that may be signalled has not gone.
func (tr *tree) running() bool {
	for _, m := range tr.members {
		if !m.gone && m.refused == "" && !m.p.Exited() {
			return true
		}
	}
	return false
}

// result reports every member, parents before children.
func (tr *tree) result() Termination {
	res := Termination{Exited: true, Members: make([]Member, 0, len(tr.members)), Method: tr.method(), Complete: tr.complete()}
	for _, m := range tr.members {
		if m.dropped {
			continue
		}
		exited := m.gone || m.p.Exited()
		res.Members = append(res.Members, Member{PID: m.p.pid, StartTime: m.startTime, Exited: exited, Escalated: m.escalated, Refused: m.refused})
		res.Exited = res.Exited && exited
		res.Escalated = res.Escalated || m.escalated
	}
	return res
}
