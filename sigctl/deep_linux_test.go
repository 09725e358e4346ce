package sigctl

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"
)

// chainDepth is how many descendants the deep chain's root has, each the
// only child of the one before.
const chainDepth = 1000

// startChain starts a chain of depth descendants below a shell: each
// starts the next and waits, and the last runs sleep. Each level is a
// shell of its own, started afresh (a shell function would reach the
// shell's bound on recursion).
func startChain(t *testing.T, depth int) *testTree {
	t.Helper()
	const level = `S='if [ "$1" -gt 0 ]; then sh -c "$0" "$0" $(($1 - 1)) & wait; else exec sleep 1000; fi'; exec sh -c "$S" "$S" `
	return startTree(t, level+strconv.Itoa(depth), depth+1, 1)
}

// errTooManySteps ends, by a panic from the walk step hook, a call that
// climbs more ancestry links than the test allows, so that a quadratic
// walk fails the test at once rather than after minutes.
var errTooManySteps = errors.New("too many steps up the ancestry")

// countSteps makes k count the links its ancestry walks climb, failing
// the call it is in (see errTooManySteps) beyond limit.
func countSteps(k *Controller, limit int) *int {
	steps := new(int)
	k.hooks = &testHooks{onWalkStep: func(int, int) {
		if *steps++; *steps > limit {
			panic(errTooManySteps)
		}
	}}
	return steps
}

// catch runs f and returns the error it panics with, or the error it
// returns.
func catch(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = r.(error)
		}
	}()
	return f()
}

// TestDescendantsOnlyIsLinearInADeepChain: under --descendants-only, the
// checks of every member of a deep chain climb a number of ancestry links
// linear in its depth, for a recursive listing and for a tree's
// termination: each member is proven a descendant through its parent,
// proven before it.
func TestDescendantsOnlyIsLinearInADeepChain(t *testing.T) {
	tr := startChain(t, chainDepth)
	root := tr.root.Process.Pid

	k := clientController(t)
	steps := countSteps(k, 3*chainDepth)
	start := time.Now()
	var kids []Child
	err := catch(func() (err error) {
		kids, err = k.Children(root, true)
		return err
	})
	if err != nil {
		t.Fatalf("Children(root, recursive) = %v after %d steps", err, *steps)
	}
	if len(kids) != chainDepth {
		t.Fatalf("Children(root, recursive) listed %d, want %d", len(kids), chainDepth)
	}
	t.Logf("Children(root, recursive): %d steps for %d descendants, %v", *steps, chainDepth, time.Since(start))

	k = clientController(t)
	steps = countSteps(k, 10*(chainDepth+1))
	start = time.Now()
	var res Termination
	err = catch(func() (err error) {
		res, err = k.Terminate(context.Background(), Target{PID: root}, treeOpts)
		return err
	})
	if err != nil {
		t.Fatalf("Terminate(root, tree) = %v after %d steps", err, *steps)
	}
	if !res.Exited || len(res.Members) != chainDepth+1 {
		t.Fatalf("Terminate(root, tree): exited %v, %d members; want all %d exited", res.Exited, len(res.Members), chainDepth+1)
	}
	t.Logf("Terminate(root, tree): %d steps for %d members, %v", *steps, chainDepth+1, time.Since(start))
}
