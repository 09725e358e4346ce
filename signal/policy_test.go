package signal

import (
	"errors"
	"testing"
)

func TestPolicyCheck(t *testing.T) {
	const self = 4242
	for _, tc := range []struct {
		name   string
		policy Policy
		pid    int
		sig    Number
		reason string // "" for allowed
	}{
		{"broadcast is refused", Policy{Self: self}, -1, 15, ReasonBroadcast},
		{"broadcast is refused even for NONE", Policy{Self: self}, -1, 0, ReasonBroadcast},
		{"broadcast is refused even with groups allowed", Policy{Self: self, AllowGroups: true}, -1, 9, ReasonBroadcast},
		{"own group is refused", Policy{Self: self}, 0, 15, ReasonProcessGroup},
		{"own group is refused even for NONE", Policy{Self: self}, 0, 0, ReasonProcessGroup},
		{"another group is refused", Policy{Self: self}, -5, 15, ReasonProcessGroup},
		{"the lowest group is refused", Policy{Self: self}, -2147483648, 15, ReasonProcessGroup},
		{"own group is allowed with groups", Policy{Self: self, AllowGroups: true}, 0, 15, ""},
		{"another group is allowed with groups", Policy{Self: self, AllowGroups: true}, -5, 15, ""},
		{"self is refused", Policy{Self: self}, self, 15, ReasonSelf},
		{"self is refused KILL", Policy{Self: self, AllowGroups: true}, self, 9, ReasonSelf},
		{"self may be checked with NONE", Policy{Self: self}, self, 0, ""},
		{"another process is allowed", Policy{Self: self}, 1234, 9, ""},
		{"zero Self protects no process", Policy{}, 1234, 9, ""},
		{"zero Self does not refuse own group as self", Policy{AllowGroups: true}, 0, 15, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.policy.Check(tc.pid, tc.sig)
			got := ""
			var pe *PolicyError
			if errors.As(err, &pe) {
				got = pe.Reason
			} else if err != nil {
				t.Fatalf("Check(%d, %d) = %v, not a *PolicyError", tc.pid, tc.sig, err)
			}
			if got != tc.reason {
				t.Errorf("%+v.Check(%d, %d) refused %q, want %q", tc.policy, tc.pid, tc.sig, got, tc.reason)
			}
		})
	}
}

func TestPolicyErrorNamesTheReason(t *testing.T) {
	if got := (&PolicyError{Reason: ReasonProcessGroup}).Error(); got != "refused by policy: process-group" {
		t.Errorf("Error() = %q", got)
	}
}

func TestCheckProcessAppliesUIDAndAncestryRules(t *testing.T) {
	// A process tree: 1 → 10 (client) → 20 → 30; 1 → 40.
	parents := map[int]int{10: 1, 20: 10, 30: 20, 40: 1}
	parentOf := func(pid int) (int, error) {
		ppid, ok := parents[pid]
		if !ok {
			return 0, errors.New("gone")
		}
		return ppid, nil
	}
	for _, tc := range []struct {
		name   string
		policy Policy
		info   Info
		reason string
	}{
		{"no rules", Policy{}, Info{PID: 40, PPID: 1, UID: 7}, ""},
		{"uid allowed", Policy{AllowUIDs: []int{5, 7}}, Info{PID: 40, PPID: 1, UID: 7}, ""},
		{"uid refused", Policy{AllowUIDs: []int{5}}, Info{PID: 40, PPID: 1, UID: 7}, ReasonUID},
		{"child of the client", Policy{DescendantsOf: 10}, Info{PID: 20, PPID: 10}, ""},
		{"grandchild of the client", Policy{DescendantsOf: 10}, Info{PID: 30, PPID: 20}, ""},
		{"outside the tree", Policy{DescendantsOf: 10}, Info{PID: 40, PPID: 1}, ReasonNotDescendant},
		{"the client itself", Policy{DescendantsOf: 10}, Info{PID: 10, PPID: 1}, ReasonNotDescendant},
		{"ancestry unreadable", Policy{DescendantsOf: 10}, Info{PID: 50, PPID: 99}, ReasonNotDescendant},
		{"uid is checked first", Policy{AllowUIDs: []int{0}, DescendantsOf: 10}, Info{PID: 40, PPID: 1, UID: 7}, ReasonUID},
	} {
		err := tc.policy.CheckProcess(tc.info, parentOf)
		got := ""
		var pe *PolicyError
		if errors.As(err, &pe) {
			got = pe.Reason
		}
		if got != tc.reason {
			t.Errorf("%s: refused %q (%v), want %q", tc.name, got, err, tc.reason)
		}
	}
}

func TestPerProcessRulesRefuseGroups(t *testing.T) {
	for _, p := range []Policy{
		{AllowGroups: true, AllowUIDs: []int{0}},
		{AllowGroups: true, DescendantsOf: 10},
	} {
		var pe *PolicyError
		if err := p.Check(-5, 0); !errors.As(err, &pe) || pe.Reason != ReasonProcessGroup {
			t.Errorf("%+v.Check(-5) = %v, want a process-group refusal", p, err)
		}
	}
}
