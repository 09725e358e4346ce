package sigctl

import "sort"

// A forkLog is every fork, and every exit with its parent, that the
// kernel reported during one tree call, from its subscription on, in the
// kernel's order, and which of the processes they name are members of
// the tree. It tells processes apart by identity, not by pid: a process
// is its pid and the index of its birth in the log (-1 for one born
// before the subscription), so that a pid reused during the call never
// passes a membership on. It holds no handles and reads nothing: its
// caller feeds it events and asks it which processes joined.
type forkLog struct {
	entries    []logEntry
	byParent   map[int][]int // parent pid → indices of its forks and its children's exits, in order
	births     map[int][]int // pid → indices of its births, in order
	members    map[ident]bool
	memberPIDs map[int]bool // the pids of members
	// narrowed, once set (see narrow), keeps only the entries fork still
	// needs: a member's forks, and births on a member's pid.
	narrowed bool
	max      int // the most entries it keeps; 0 means maxForkLog
	full     bool
}

// logEntry is one event: parent forked child, or child exited while its
// parent was parent.
type logEntry struct {
	exit          bool
	parent, child int
}

// ident is one process: its pid, and the index of its birth in the log,
// -1 if it was born before the log began.
type ident struct{ pid, born int }

// maxForkLog bounds a forkLog: events beyond it are not kept, and the log
// is then incomplete (see full).
const maxForkLog = 1 << 18

func newForkLog() *forkLog {
	return &forkLog{byParent: make(map[int][]int), births: make(map[int][]int),
		members: make(map[ident]bool), memberPIDs: make(map[int]bool)}
}

// narrow stops the log from keeping events that concern no member but
// for births on a member's pid, which tell a reused pid apart. Once the
// listing can find no process it did not see born (after a tree's first
// stop pass, every member is known, and every later one is born of a
// member), join needs no more, and the log then grows with the tree,
// not with every fork on the system.
func (l *forkLog) narrow() { l.narrowed = true }

// current returns the identity pid names now, as far as the log knows:
// its latest birth, or before the log began. A process alive now, whose
// birth (if it came after the log began) has been added, is current.
func (l *forkLog) current(pid int) ident { return l.identAt(pid, len(l.entries)) }

// identAt returns the identity pid named just before index i.
func (l *forkLog) identAt(pid, i int) ident {
	b := l.births[pid]
	if k := sort.SearchInts(b, i); k > 0 {
		return ident{pid, b[k-1]}
	}
	return ident{pid, -1}
}

// isMember reports whether id is a member.
func (l *forkLog) isMember(id ident) bool { return l.members[id] }

// fork adds one fork, in the kernel's order, and returns the members it
// made: the child, if its parent, as the log knows it at that point, is
// a member.
func (l *forkLog) fork(parent, child int) []ident {
	from := l.current(parent)
	if l.narrowed && !l.members[from] && !l.memberPIDs[child] {
		return nil
	}
	i, ok := l.add(logEntry{parent: parent, child: child})
	if !ok {
		return nil
	}
	l.births[child] = append(l.births[child], i)
	if !l.members[from] {
		return nil
	}
	id := ident{child, i}
	l.admit(id)
	return []ident{id}
}

// exit adds that process pid exited while its parent was parent (0 if
// the kernel did not say), and returns the members it made: a child of a
// member is one, and so is what it forked since the log began. This
// catches a process that was in the tree before the log began and exits
// before the listing reaches it, and with it the grandchild of its
// double fork; join finds it later if its parent joins later. A
// narrowed log does nothing: by then every member is known.
func (l *forkLog) exit(pid, parent int) []ident {
	if parent <= 0 || l.narrowed {
		return nil
	}
	who := l.current(pid)
	if _, ok := l.add(logEntry{exit: true, parent: parent, child: pid}); !ok {
		return nil
	}
	if !l.members[l.current(parent)] {
		return nil
	}
	return l.join(who)
}

// add appends e, unless the log is full.
func (l *forkLog) add(e logEntry) (int, bool) {
	if len(l.entries) >= l.limit() {
		l.full = true
		return 0, false
	}
	i := len(l.entries)
	l.entries = append(l.entries, e)
	l.byParent[e.parent] = append(l.byParent[e.parent], i)
	return i, true
}

// join makes id a member, and every process it forked during its life
// as the log records it (until its pid's next birth), and every child of
// it that exited meanwhile, and theirs in turn. It returns the
// identities that joined, id first if it was not a member already.
func (l *forkLog) join(id ident) []ident {
	var joined []ident
	for todo := []ident{id}; len(todo) > 0; {
		p := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if l.members[p] {
			continue
		}
		l.admit(p)
		joined = append(joined, p)
		end := l.nextBirth(p)
		for _, i := range l.byParent[p.pid] {
			if i <= p.born || i >= end {
				continue
			}
			if e := l.entries[i]; e.exit {
				todo = append(todo, l.identAt(e.child, i))
			} else {
				todo = append(todo, ident{e.child, i})
			}
		}
	}
	return joined
}

// admit makes id a member from now on: what it forks from here on joins,
// what the log holds from before does not. A narrowed log may not hold
// id's birth, so current may name an older process with its pid, whose
// forks join would take; a process the listing finds once the log is
// narrowed came into the tree by adoption (a member that is a subreaper)
// and brings nothing from before.
func (l *forkLog) admit(id ident) {
	l.members[id] = true
	l.memberPIDs[id.pid] = true
}

// nextBirth returns the index of the birth of id's pid after id's own,
// the end of id's life in the log; len(entries) if there is none.
func (l *forkLog) nextBirth(id ident) int {
	b := l.births[id.pid]
	k := sort.SearchInts(b, id.born+1)
	if k < len(b) {
		return b[k]
	}
	return len(l.entries)
}

// limit is the most entries the log keeps.
func (l *forkLog) limit() int {
	if l.max > 0 {
		return l.max
	}
	return maxForkLog
}
