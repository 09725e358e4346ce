package sigctl

import (
	"slices"
	"testing"
)

// TestForkLogFollowsForksAcrossReparenting: a member's child, and that
// child's child forked after the child's parent exited, are members,
// whatever the listing would say of their parents now.
func TestForkLogFollowsForksAcrossReparenting(t *testing.T) {
	l := newForkLog()
	l.join(ident{10, -1}) // the root, born before the log began
	if got := l.fork(10, 11); !slices.Equal(got, []ident{{11, 0}}) {
		t.Fatalf("the root's child: joined %v", got)
	}
	if got := l.fork(11, 12); !slices.Equal(got, []ident{{12, 1}}) {
		t.Fatalf("the grandchild of a double fork: joined %v", got)
	}
	if got := l.fork(99, 13); got != nil || l.isMember(l.current(13)) {
		t.Fatalf("a child of a process outside the tree joined: %v", got)
	}
}

// TestForkLogTellsAReusedPidApart: once a member's pid is born again to
// a process outside the tree, the new process and its children are not
// members; a process born again to a member is.
func TestForkLogTellsAReusedPidApart(t *testing.T) {
	l := newForkLog()
	l.join(ident{10, -1})
	l.fork(10, 11)                         // 0: a member
	l.fork(99, 11)                         // 1: pid 11 reused by a child of an outsider
	if got := l.fork(11, 12); got != nil { // 2: the new 11's child
		t.Fatalf("the child of a reused pid joined: %v", got)
	}
	if !l.isMember(ident{11, 0}) || l.isMember(l.current(11)) {
		t.Fatalf("members: the first 11 %v, the second %v; want only the first", l.isMember(ident{11, 0}), l.isMember(l.current(11)))
	}
	if got := l.fork(10, 11); !slices.Equal(got, []ident{{11, 3}}) { // 3: born again, of the root
		t.Fatalf("pid 11 born again of the root: joined %v", got)
	}
}

// TestForkLogJoinsWhatAListedProcessForked: a process the listing finds
// late brings in what it forked since the log began, and their forks,
// but only during its own life: not what an earlier or later process
// with its pid forked.
func TestForkLogJoinsWhatAListedProcessForked(t *testing.T) {
	l := newForkLog()
	l.fork(5, 20)  // 0: the first 20 is born (outside the tree)
	l.fork(20, 21) // 1: its child
	l.fork(6, 20)  // 2: 20 born again: the process the listing will find
	l.fork(20, 22) // 3: its child, which double forks
	l.fork(22, 23) // 4
	l.fork(7, 20)  // 5: 20 born a third time, after the listed one exited
	l.fork(20, 24) // 6
	got := l.join(ident{20, 2})
	want := []ident{{20, 2}, {22, 3}, {23, 4}}
	slices.SortFunc(got, func(a, b ident) int { return a.born - b.born })
	if !slices.Equal(got, want) {
		t.Fatalf("joined %v, want %v", got, want)
	}
	if again := l.join(ident{20, 2}); again != nil {
		t.Fatalf("joining a member again joined %v", again)
	}
}

// TestForkLogIsBounded: beyond its limit the log keeps nothing and says
// it is full.
func TestForkLogIsBounded(t *testing.T) {
	l := newForkLog()
	l.max = 2
	l.join(ident{10, -1})
	l.fork(10, 11)
	l.fork(10, 12)
	if got := l.fork(10, 13); got != nil || !l.full {
		t.Fatalf("a fork beyond the limit: joined %v, full %v", got, l.full)
	}
}

// TestNarrowedForkLogKeepsWhatMembersNeed: once narrowed, the log keeps
// no fork an outsider made, but for a birth on a member's pid, which
// still tells the reuser apart; a member's forks still join.
func TestNarrowedForkLogKeepsWhatMembersNeed(t *testing.T) {
	l := newForkLog()
	l.join(ident{10, -1})
	l.fork(10, 11) // 0
	l.narrow()
	kept := len(l.entries)
	l.fork(98, 50) // an outsider's fork: not kept
	if len(l.entries) != kept {
		t.Fatalf("an outsider's fork was kept once narrowed")
	}
	l.fork(99, 11) // 1: a birth on a member's pid: kept, and not a member
	if l.isMember(l.current(11)) {
		t.Fatalf("pid 11 born again of an outsider is a member")
	}
	if got := l.fork(10, 12); len(got) != 1 {
		t.Fatalf("a member's fork once narrowed: joined %v", got)
	}
	l.admit(l.current(60)) // adopted by a member: joins from now on, without its past
	if got := l.fork(60, 61); len(got) != 1 {
		t.Fatalf("a fork by an admitted process: joined %v", got)
	}
}

// TestForkLogJoinsAChildThatExitsUnlisted: a process that was the root's
// child before the log began, and that double forks and exits before the
// listing reaches it, joins when it exits, and brings in the grandchild.
func TestForkLogJoinsAChildThatExitsUnlisted(t *testing.T) {
	l := newForkLog()
	l.join(ident{10, -1})
	if got := l.fork(20, 21); got != nil { // 0: 20 is not known yet
		t.Fatalf("joined %v before 20 is known", got)
	}
	got := l.exit(20, 10)
	slices.SortFunc(got, func(a, b ident) int { return a.born - b.born })
	if want := []ident{{20, -1}, {21, 0}}; !slices.Equal(got, want) {
		t.Fatalf("the root's child exits: joined %v, want %v", got, want)
	}
	if got := l.exit(30, 99); got != nil {
		t.Fatalf("an outsider's child exits: joined %v", got)
	}
	l.narrow()
	l.fork(40, 41)
	if got := l.exit(40, 10); got != nil {
		t.Fatalf("once narrowed, an exit joined %v", got)
	}
}

// TestForkLogJoinsWhatAnExitedChildOfALateMemberForked: a worker the
// listing finds late brings in its child that double forked and exited
// before then, and that child's grandchild, from the exit the log kept.
func TestForkLogJoinsWhatAnExitedChildOfALateMemberForked(t *testing.T) {
	l := newForkLog()
	l.join(ident{10, -1})
	l.fork(21, 22)               // 0: 21, the worker's child from before the log, double forks
	l.exit(21, 20)               // 1: and exits; its parent 20 is not known yet
	l.fork(30, 21)               // 2: pid 21 born again, outside
	got := l.join(ident{20, -1}) // the listing finds the worker
	slices.SortFunc(got, func(a, b ident) int { return a.born - b.born })
	if want := []ident{{20, -1}, {21, -1}, {22, 0}}; !slices.Equal(got, want) {
		t.Fatalf("the worker joins: joined %v, want %v", got, want)
	}
	if l.isMember(l.current(21)) {
		t.Fatalf("pid 21 born again outside is a member")
	}
}
