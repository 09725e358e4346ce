package sigctl

import (
	"context"
	"errors"
	"slices"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// These tests prove, with deliveries recorded and none made, that pid 1
// and the helper's own process group are refused on every path that
// sends: Kill, Terminate and its escalation, and the check before each
// send through a handle.

// TestInitAndOwnGroupAreRefusedByKill: Kill refuses pid 1 unless
// AllowInit, and the helper's own group (pid 0, SelfGroup or not, or
// -SelfGroup) with or without AllowGroups, for every signal but NONE, and
// sends nothing.
func TestInitAndOwnGroupAreRefusedByKill(t *testing.T) {
	const self, group = 4242, 77
	urg := Signum(unix.SIGURG)
	for _, tc := range []struct {
		name   string
		policy Policy
		pid    int
		sig    Signum
		reason string // "" if sent
	}{
		{"init", Policy{Self: self}, 1, urg, ReasonInit},
		{"init, KILL", Policy{Self: self, AllowGroups: true}, 1, Signum(unix.SIGKILL), ReasonInit},
		{"init, NONE", Policy{Self: self}, 1, None, ""},
		{"init with AllowInit", Policy{Self: self, AllowInit: true}, 1, urg, ""},
		{"own group by 0", Policy{Self: self, SelfGroup: group}, 0, urg, ReasonSelf},
		{"own group by 0 with groups", Policy{Self: self, SelfGroup: group, AllowGroups: true}, 0, urg, ReasonSelf},
		{"own group by 0 without SelfGroup", Policy{AllowGroups: true}, 0, urg, ReasonSelf},
		{"own group by id", Policy{Self: self, SelfGroup: group}, -group, urg, ReasonSelf},
		{"own group by id with groups", Policy{Self: self, SelfGroup: group, AllowGroups: true}, -group, urg, ReasonSelf},
		{"own group by 0, NONE, with groups", Policy{Self: self, SelfGroup: group, AllowGroups: true}, 0, None, ""},
		{"own group by id, NONE, with groups", Policy{Self: self, SelfGroup: group, AllowGroups: true}, -group, None, ""},
		{"own group by 0, NONE, without groups", Policy{Self: self, SelfGroup: group}, 0, None, ReasonProcessGroup},
		{"another group with groups", Policy{Self: self, SelfGroup: group, AllowGroups: true}, -group - 1, urg, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, rec := fakeKiller(tc.policy)
			err := k.Kill(Target{PID: tc.pid}, tc.sig)
			var want []sent
			if tc.reason == "" {
				want = []sent{{tc.pid, syscall.Signal(tc.sig)}}
			}
			var pe *PolicyError
			switch {
			case tc.reason == "" && err != nil:
				t.Errorf("Kill(%d, %d) = %v, want it sent", tc.pid, tc.sig, err)
			case tc.reason != "" && (!errors.As(err, &pe) || pe.Reason != tc.reason):
				t.Errorf("Kill(%d, %d) = %v, want a %s refusal", tc.pid, tc.sig, err, tc.reason)
			}
			if !slices.Equal(rec.sent, want) {
				t.Errorf("sent %v, want %v", rec.sent, want)
			}
		})
	}
}

// TestInitAndOwnGroupAreRefusedByTerminate: Terminate refuses pid 1 and
// the helper's own group as its first signal or as its escalation, before
// anything is sent, with Tree or without; a tree rooted at pid 1 is
// refused even with AllowInit.
func TestInitAndOwnGroupAreRefusedByTerminate(t *testing.T) {
	const group = 77
	term, kill := Signum(unix.SIGTERM), Signum(unix.SIGKILL)
	for _, tc := range []struct {
		name     string
		policy   Policy
		pid      int
		sig, esc Signum
		tree     bool
		reason   string
	}{
		{"init", Policy{}, 1, term, kill, false, ReasonInit},
		{"init's escalation", Policy{}, 1, None, kill, false, ReasonInit},
		{"init's tree", Policy{}, 1, term, kill, true, ReasonInit},
		{"init's tree with NONE", Policy{}, 1, None, None, true, ReasonInit},
		{"init's tree with AllowInit", Policy{AllowInit: true}, 1, term, kill, true, ReasonInit},
		{"own group by 0", Policy{SelfGroup: group, AllowGroups: true}, 0, term, kill, false, ReasonSelf},
		{"own group by id", Policy{SelfGroup: group, AllowGroups: true}, -group, term, kill, false, ReasonSelf},
		{"own group's escalation", Policy{SelfGroup: group, AllowGroups: true}, -group, None, kill, false, ReasonSelf},
		{"own group without groups", Policy{SelfGroup: group}, 0, term, kill, true, ReasonSelf},
		{"own group by 0 without SelfGroup", Policy{}, 0, term, kill, false, ReasonSelf},
		{"own group's tree by 0 without SelfGroup", Policy{}, 0, term, kill, true, ReasonSelf},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, rec := fakeKiller(tc.policy)
			opts := TerminateOptions{Signal: tc.sig, Timeout: time.Millisecond, Escalate: true, EscalateSignal: tc.esc, EscalateTimeout: time.Millisecond, Tree: tc.tree}
			_, err := k.Terminate(context.Background(), Target{PID: tc.pid}, opts)
			var pe *PolicyError
			if !errors.As(err, &pe) || pe.Reason != tc.reason {
				t.Errorf("Terminate(%d) = %v, want a %s refusal", tc.pid, err, tc.reason)
			}
			if len(rec.sent) != 0 {
				t.Errorf("sent %v", rec.sent)
			}
		})
	}
}

// TestEverySendThroughAHandleRefusesInit: the check made through a handle
// immediately before each send (an escalation's, a tree member's)
// refuses pid 1 too.
func TestEverySendThroughAHandleRefusesInit(t *testing.T) {
	k, rec := fakeKiller(Policy{})
	p := &Process{pid: 1, fd: -1, sys: rec}
	var pe *PolicyError
	if err := k.sendChecked(nil, p, Target{PID: 1}, Signum(unix.SIGKILL)); !errors.As(err, &pe) || pe.Reason != ReasonInit {
		t.Errorf("sendChecked(1, KILL) = %v, want an init refusal", err)
	}
	if res := k.escalate(context.Background(), p, Target{PID: 1}, Signum(unix.SIGKILL), time.Millisecond); res.Refused != ReasonInit || res.Escalated {
		t.Errorf("escalate(1) = %+v, want it refused as init", res)
	}
	if len(rec.sent) != 0 {
		t.Errorf("sent %v", rec.sent)
	}
}
