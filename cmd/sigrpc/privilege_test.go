//go:build linux

package main

import (
	"fmt"
	"testing"

	"github.com/sigrpc/sigrpc/internal/nursery"
	"github.com/sigrpc/sigrpc/internal/proctest"
	"github.com/sigrpc/sigrpc/internal/spawn"
)

// doubleForkers is a tree whose four workers ignore TERM and, once
// continued after the first signal, fork again and again a shell that
// starts a sleep and exits at once: each sleep is reparented out of the
// tree, to the nursery (a subreaper), as soon as it is born, as a daemon's
// double fork does. Every sleep is born during the call, between its
// first signal and its escalation.
const doubleForkers = `for w in 1 2 3 4; do sh -c 'trap "" TERM; go=0; trap "go=1" CONT; while :; do if [ $go = 1 ]; then sh -c "sleep 1000 & exit 0"; else sleep 0.01; fi; done' & done; wait`

// TestTerminateTreeDoubleForkers: terminate(tree) of double-forkers
// reports how it found the members, which depends on the helper's
// privilege. As root, with fork events, every sleep is a member and is
// ended (complete: true). Without CAP_NET_ADMIN there are no fork events:
// by listing, a sleep escapes when its parent exits between two listings,
// and the result says so (complete: false).
func TestTerminateTreeDoubleForkers(t *testing.T) {
	t.Parallel()
	t.Run("fork events", func(t *testing.T) {
		if !proctest.ForkEventsExpected() {
			t.Skip("fork events need root in the initial pid and user namespaces")
		}
		doubleForkRounds(t, startHelper(t), "fork-events")
	})
	t.Run("without CAP_NET_ADMIN", func(t *testing.T) {
		needRootAnd(t, "setpriv")
		doubleForkRounds(t, spawn.Start(t, spawn.Options{}, "setpriv", "--bounding-set=-net_admin", "--", binPath), "listing")
	})
}

// doubleForkRounds ends three trees of double-forkers through h and
// checks what the result says against the method it must have used.
func doubleForkRounds(t *testing.T, h *spawn.Proc, method string) {
	t.Helper()
	for round := range 3 {
		n := nursery.Start(t, doubleForkers)
		nursery.WaitTree(t, n.Root, 9, 4, 0) // the root, four workers, each in a sleep 0.01
		res := nursery.Terminate(t, h.Conn, n.Root)
		if res.Complete == nil || !res.Escalated || res.Method != method {
			t.Fatalf("round %d: terminate = %+v; want method %s, complete, and the escalation; helper stderr %s", round, res, method, h.Stderr)
		}
		survivors := fmt.Sprint(n.EscapedSleeps())
		t.Logf("round %d: method %s, complete %v, %d members, escaped sleeps that survive: %s",
			round, res.Method, *res.Complete, len(res.Members), survivors)
		switch {
		case method == "fork-events" && (!*res.Complete || !res.Exited || survivors != "[]"):
			t.Errorf("round %d: fork events, complete %v, exited %v; sleeps that survive: %s", round, *res.Complete, res.Exited, survivors)
		case method == "listing" && *res.Complete:
			t.Errorf("round %d: the listing cannot rule out a double fork, yet says complete", round)
		}
	}
}
