//go:build linux

package main

import (
	"fmt"
	"os"
	"syscall"
	"testing"

	"github.com/sigrpc/sigrpc/internal/spawn"
)

// These tests show that the narrowing flags reach the policy: what each
// rule refuses, method by method, is tested in process (internal/service
// TestNarrowedPolicyDescribesOnlyWhatItMaySignal, TestKillChecksEverySend)
// and in sigctl.

const nobody = 65534

// asNobody runs a child as nobody.
var asNobody = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}

// TestAllowUID: --allow-uid, repeatable, allows the processes of the uids
// it lists and refuses the others.
func TestAllowUID(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to start a child under another uid")
	}
	t.Run("refuses other uids", func(t *testing.T) {
		h := startHelper(t, "--allow-uid", "0")
		c := spawn.Script(t, asNobody, "exec sleep 1000")
		if got := h.Call(t, killRequest(c.Pid, "TERM")); got != refusal("uid") {
			t.Fatalf("got %s, want a uid refusal", got)
		}
		c.AssertUntouched(t)
		own := spawn.Sleep(t, false) // uid 0: allowed
		if got := h.Call(t, killRequest(own.Pid, "NONE")); got != sent {
			t.Fatalf("own uid: %s", got)
		}
	})
	t.Run("accepts a listed uid", func(t *testing.T) {
		h := startHelper(t, "--allow-uid", "12345", "--allow-uid", fmt.Sprint(nobody))
		c := spawn.Script(t, asNobody, "exec sleep 1000")
		root := spawn.Sleep(t, false)
		if got := h.Call(t, killRequest(root.Pid, "TERM")); got != refusal("uid") {
			t.Fatalf("root's child: %s, want a uid refusal", got)
		}
		root.AssertUntouched(t)
		if got := h.Call(t, killRequest(c.Pid, "TERM")); got != sent {
			t.Fatalf("got %s", got)
		}
		if sig := c.TerminatedBy(t); sig != syscall.SIGTERM {
			t.Fatalf("ended by %v", sig)
		}
	})
}

// TestDescendantsOnly: --descendants-only takes the helper's parent, here
// the test process, for the client: its child is signalled, a process
// outside its tree is refused.
func TestDescendantsOnly(t *testing.T) {
	h := startHelper(t, "--descendants-only")
	c := spawn.Sleep(t, false)
	if got := h.Call(t, killRequest(c.Pid, "TERM")); got != sent {
		t.Fatalf("the client's child: %s", got)
	}
	if sig := c.TerminatedBy(t); sig != syscall.SIGTERM {
		t.Fatalf("ended by %v", sig)
	}
	orphan := spawn.Orphan(t, "exec sleep 1000", 1)[0]
	if got := h.Call(t, killRequest(orphan, "TERM")); got != refusal("not-descendant") {
		t.Fatalf("a process outside the client's tree: %s, want a not-descendant refusal", got)
	}
	spawn.AssertAlive(t, orphan)
}
