//go:build linux

package main

import (
	"fmt"
	"testing"

	"github.com/sigrpc/sigrpc/internal/proctest"
)

// doubleForkers is a tree whose four workers ignore TERM and, once
// continued after the first signal, fork again and again a shell that
// starts a sleep and exits at once: each sleep is reparented out of the
// tree, to the nursery (a subreaper), as soon as it is born, as a daemon's
// double fork does. Every sleep is born during the call, between its
// first signal and its escalation.
const doubleForkers = `for w in 1 2 3 4; do sh -c 'trap "" TERM; go=0; trap "go=1" CONT; while :; do if [ $go = 1 ]; then sh -c "sleep 1000 & exit 0"; else sleep 0.01; fi; done' & done; wait`

// escapedSleeps returns the sleeps running as the nursery's own children:
// those reparented out of the tree.
func escapedSleeps(nurseryPid int, n *nursery) []int {
	var pids []int
	for _, pid := range proctest.Children(nurseryPid) {
		if pid != n.sibling && pid != n.joiner && proctest.Comm(pid) == "sleep" && proctest.State(pid) != "Z" {
			pids = append(pids, pid)
		}
	}
	return pids
}

// TestTerminateTreeDoubleForkers: terminate(tree) of double-forkers
// reports how it found the members. As root, with fork events, every
// sleep is a member and is ended (complete: true). Without CAP_NET_ADMIN
// there are no fork events: by listing, a sleep escapes when its parent
// exits between two listings, and the result says so (complete: false).
func TestTerminateTreeDoubleForkers(t *testing.T) {
	t.Run("fork events", func(t *testing.T) {
		if !proctest.ForkEventsExpected() {
			t.Skip("fork events need root in the initial pid and user namespaces")
		}
		doubleForkRounds(t, startHelper(t), "fork-events")
	})
	t.Run("without CAP_NET_ADMIN", func(t *testing.T) {
		needRootAnd(t, "setpriv")
		doubleForkRounds(t, startBinary(t, "setpriv", "--bounding-set=-net_admin", "--", binPath), "listing")
	})
}

// doubleForkRounds ends three trees of double-forkers through h and
// checks what the result says against the method it must have used.
func doubleForkRounds(t *testing.T, h *helperProc, method string) {
	t.Helper()
	for round := range 3 {
		n := startNursery(t, doubleForkers)
		nurseryPid := n.pid(t)
		waitTree(t, n.root, 9, 4, 0) // the root, four workers, each in a sleep 0.01
		res := terminateTree(t, h, n.root)
		if res.Complete == nil || !res.Escalated || res.Method != method {
			t.Fatalf("round %d: terminate = %+v; want method %s, complete, and the escalation; helper stderr %s", round, res, method, h.stderr)
		}
		var survivors []string
		for _, pid := range escapedSleeps(nurseryPid, n) {
			survivors = append(survivors, fmt.Sprint(pid))
		}
		t.Logf("round %d: method %s, complete %v, %d members, %d escaped sleeps survive",
			round, res.Method, *res.Complete, len(res.Members), len(survivors))
		switch {
		case method == "fork-events" && (!*res.Complete || !res.Exited || len(survivors) > 0):
			t.Errorf("round %d: fork events, complete %v, exited %v; sleeps that survive: %v", round, *res.Complete, res.Exited, survivors)
		case method == "listing" && *res.Complete:
			t.Errorf("round %d: the listing cannot rule out a double fork, yet says complete", round)
		}
	}
}

// TestTreeWithAVforkParentSettles: a member held inside vfork, waiting
// for a child that has not exec'd yet, cannot fork, so the stop pass
// counts it halted rather than waiting out its settle time: with fork
// events the result is complete.
func TestTreeWithAVforkParentSettles(t *testing.T) {
	vf := vforker(t)
	n := startNursery(t, fmt.Sprintf("%q & sleep 1000 & wait", vf))
	waitTree(t, n.root, 4, 1, 0) // the root, the vfork parent and its child, a sleep
	h := startHelper(t)
	res := terminateTree(t, h, n.root)
	if !res.Exited || res.Complete == nil {
		t.Fatalf("terminate = %+v; want every member exited", res)
	}
	if res.Method == "fork-events" && !*res.Complete {
		t.Errorf("terminate = %+v; want complete: the vfork parent counts as halted", res)
	}
}

// TestTreeMemberForkingOnTERMIsEscalated: a root whose TERM handler
// starts a sleep and exits leaves that sleep, reparented, behind; with
// fork events it joins the tree while the call waits, and the
// escalation ends it.
func TestTreeMemberForkingOnTERMIsEscalated(t *testing.T) {
	if !proctest.ForkEventsExpected() {
		t.Skip("fork events need root in the initial pid and user namespaces")
	}
	n := startNursery(t, `trap 'sleep 1000 & exit 0' TERM; while :; do sleep 0.01; done`)
	nurseryPid := n.pid(t)
	waitTree(t, n.root, 2, 1, 0)
	h := startHelper(t)
	res := terminateTree(t, h, n.root)
	if !res.Exited || !res.Escalated || res.Complete == nil || !*res.Complete {
		t.Errorf("terminate = %+v; want every member exited, the sleep escalated to, complete", res)
	}
	if left := escapedSleeps(nurseryPid, n); len(left) > 0 {
		t.Errorf("the sleep the TERM handler started survives: %v", left)
	}
}

// unlistedDoubleForkers is a tree whose root has four children that wait
// until the root is stopped (by the tree call, which subscribed to fork
// events first), then each start a sleep and exit at once: some exit
// before the call's listing reaches them, so only their exit, reported
// with their parent, says they were in the tree.
const unlistedDoubleForkers = `R=$$; for w in 1 2 3 4; do sh -c 'while read -r _ _ st _ </proc/'$R'/stat && [ "$st" != T ]; do :; done; sleep 1000 & exit 0' & done; wait`

// TestTerminateTreeCatchesWhatAnUnlistedChildForked: the sleeps the
// root's children start as they exit are ended, whether the listing
// reached their parent first or not.
func TestTerminateTreeCatchesWhatAnUnlistedChildForked(t *testing.T) {
	if !proctest.ForkEventsExpected() {
		t.Skip("fork events need root in the initial pid and user namespaces")
	}
	h := startHelper(t)
	for round := range 10 {
		n := startNursery(t, unlistedDoubleForkers)
		nurseryPid := n.pid(t)
		waitTree(t, n.root, 5, 0, 0)
		res := terminateTree(t, h, n.root)
		left := escapedSleeps(nurseryPid, n)
		t.Logf("round %d: %d members, complete %v, %d escaped sleeps survive", round, len(res.Members), res.Complete != nil && *res.Complete, len(left))
		if !res.Exited || len(left) > 0 {
			t.Errorf("round %d: terminate = %+v; sleeps that survive: %v", round, res, left)
		}
	}
}
