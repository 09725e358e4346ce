package signal

import "sort"

// A forkLog is every fork the kernel reported during one tree call, from
// its subscription on, in the kernel's order, and which of the processes
// they name are members of the tree. It tells processes apart by
// identity, not by pid: a process is its pid and the index of its birth
// in the log (-1 for one born before the subscription), so that a pid
// reused during the call never passes a membership on. It holds no
// handles and reads nothing: its caller feeds it forks and asks it
// which processes joined.
type forkLog struct {
	forks      []forkEntry
	byParent   map[int][]int // parent pid → indices into forks, in order
	births     map[int][]int // pid → indices into forks of its births, in order
	members    map[ident]bool
	memberPIDs map[int]bool // the pids of members
	// narrowed, once set (see narrow), keeps only the forks join and fork
	// still need: a member's, and a birth on a member's pid.
	narrowed bool
	max      int // the most forks it keeps; 0 means maxForkLog
	full     bool
}

// forkEntry is one fork: parent forked child.
type forkEntry struct{ parent, child int }

// ident is one process: its pid, and the index of its birth in the log,
// -1 if it was born before the log began.
type ident struct{ pid, born int }

// maxForkLog bounds a forkLog: forks beyond it are not kept, and the log
// is then incomplete (see full).
const maxForkLog = 1 << 18

func newForkLog() *forkLog {
	return &forkLog{byParent: make(map[int][]int), births: make(map[int][]int),
		members: make(map[ident]bool), memberPIDs: make(map[int]bool)}
}

// narrow stops the log from keeping forks no member made, but for births
// on a member's pid, which tell a reused pid apart. Once the listing can
// find no process it did not see born (after a tree's first stop pass,
// every member is known, and every later one is born of a member), join
// needs no more, and the log then grows with the tree, not with every
// fork on the system.
func (l *forkLog) narrow() { l.narrowed = true }

// current returns the identity pid names now, as far as the log knows:
// its latest birth, or before the log began. A process alive now, whose
// birth (if it came after the log began) has been added, is current.
func (l *forkLog) current(pid int) ident {
	if b := l.births[pid]; len(b) > 0 {
		return ident{pid, b[len(b)-1]}
	}
	return ident{pid, -1}
}

// isMember reports whether id is a member.
func (l *forkLog) isMember(id ident) bool { return l.members[id] }

// fork adds one fork, in the kernel's order, and returns the members it
// made: the child, if its parent, as the log knows it at that point, is
// a member. A log that is full keeps nothing more (see full).
func (l *forkLog) fork(parent, child int) []ident {
	if len(l.forks) >= l.limit() {
		l.full = true
		return nil
	}
	from := l.current(parent)
	if l.narrowed && !l.members[from] && !l.memberPIDs[child] {
		return nil
	}
	i := len(l.forks)
	l.forks = append(l.forks, forkEntry{parent, child})
	l.byParent[parent] = append(l.byParent[parent], i)
	l.births[child] = append(l.births[child], i)
	if !l.members[from] {
		return nil
	}
	id := ident{child, i}
	l.members[id] = true
	l.memberPIDs[child] = true
	return []ident{id}
}

// join makes id a member, and every process it forked during its life
// as the log records it (until its pid's next birth), and theirs in turn.
// It returns the identities that joined, id first if it was not a member
// already.
func (l *forkLog) join(id ident) []ident {
	var joined []ident
	for todo := []ident{id}; len(todo) > 0; {
		p := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if l.members[p] {
			continue
		}
		l.members[p] = true
		l.memberPIDs[p.pid] = true
		joined = append(joined, p)
		end := l.nextBirth(p)
		for _, i := range l.byParent[p.pid] {
			if i > p.born && i < end {
				todo = append(todo, ident{l.forks[i].child, i})
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
// the end of id's life in the log; len(forks) if there is none.
func (l *forkLog) nextBirth(id ident) int {
	b := l.births[id.pid]
	k := sort.SearchInts(b, id.born+1)
	if k < len(b) {
		return b[k]
	}
	return len(l.forks)
}

// limit is the most forks the log keeps.
func (l *forkLog) limit() int {
	if l.max > 0 {
		return l.max
	}
	return maxForkLog
}
