package sigctl

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
		sig    Signum
		reason string // "" for allowed
	}{
		{"broadcast is refused", Policy{Self: self}, -1, 15, ReasonBroadcast},
		{"broadcast is refused even for NONE", Policy{Self: self}, -1, 0, ReasonBroadcast},
		{"broadcast is refused even with groups allowed", Policy{Self: self, AllowGroups: true}, -1, 9, ReasonBroadcast},
		{"own group is refused as self", Policy{Self: self}, 0, 15, ReasonSelf},
		{"own group is refused even for NONE", Policy{Self: self}, 0, 0, ReasonProcessGroup},
		{"another group is refused", Policy{Self: self}, -5, 15, ReasonProcessGroup},
		{"the lowest group is refused", Policy{Self: self}, -2147483648, 15, ReasonProcessGroup},
		{"own group is self with groups", Policy{Self: self, AllowGroups: true}, 0, 15, ReasonSelf},
		{"own group may be checked with NONE and groups", Policy{Self: self, AllowGroups: true}, 0, 0, ""},
		{"another group is allowed with groups", Policy{Self: self, AllowGroups: true}, -5, 15, ""},
		{"self is refused", Policy{Self: self}, self, 15, ReasonSelf},
		{"self is refused KILL", Policy{Self: self, AllowGroups: true}, self, 9, ReasonSelf},
		{"self may be checked with NONE", Policy{Self: self}, self, 0, ""},
		{"another process is allowed", Policy{Self: self}, 1234, 9, ""},
		{"zero Self protects no process", Policy{}, 1234, 9, ""},
		{"own group by 0 is self in the zero Policy", Policy{AllowGroups: true}, 0, 15, ReasonSelf},
		{"zero SelfGroup protects no group by id", Policy{AllowGroups: true}, -77, 15, ""},
		{"init is refused", Policy{Self: self}, 1, 15, ReasonInit},
		{"init is refused even with groups", Policy{Self: self, AllowGroups: true}, 1, 9, ReasonInit},
		{"init is refused a harmless signal", Policy{}, 1, 23, ReasonInit},
		{"init may be checked with NONE", Policy{Self: self}, 1, 0, ""},
		{"init is allowed with AllowInit", Policy{Self: self, AllowInit: true}, 1, 15, ""},
		{"init's group is a broadcast", Policy{AllowGroups: true, AllowInit: true}, -1, 15, ReasonBroadcast},
		{"own group by 0 is self", Policy{Self: self, SelfGroup: 77}, 0, 15, ReasonSelf},
		{"own group by 0 is self with groups", Policy{Self: self, SelfGroup: 77, AllowGroups: true}, 0, 23, ReasonSelf},
		{"own group by id is self", Policy{Self: self, SelfGroup: 77}, -77, 15, ReasonSelf},
		{"own group by id is self with groups", Policy{Self: self, SelfGroup: 77, AllowGroups: true}, -77, 9, ReasonSelf},
		{"own group is self with a per-process rule", Policy{SelfGroup: 77, AllowGroups: true, AllowUIDs: []int{0}}, -77, 15, ReasonSelf},
		{"own group by 0 with NONE is a group without groups", Policy{Self: self, SelfGroup: 77}, 0, 0, ReasonProcessGroup},
		{"own group by id with NONE is a group without groups", Policy{Self: self, SelfGroup: 77}, -77, 0, ReasonProcessGroup},
		{"own group by 0 may be checked with NONE and groups", Policy{Self: self, SelfGroup: 77, AllowGroups: true}, 0, 0, ""},
		{"own group by id may be checked with NONE and groups", Policy{Self: self, SelfGroup: 77, AllowGroups: true}, -77, 0, ""},
		{"another group is allowed beside SelfGroup", Policy{Self: self, SelfGroup: 77, AllowGroups: true}, -78, 15, ""},
		{"the process whose pid is SelfGroup is not the group", Policy{Self: self, SelfGroup: 77}, 77, 15, ""},
		{"broadcast stays a broadcast with SelfGroup 1", Policy{SelfGroup: 1, AllowGroups: true}, -1, 15, ReasonBroadcast},
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

func TestCheckUID(t *testing.T) {
	for _, tc := range []struct {
		name   string
		policy Policy
		uid    int
		reason string
	}{
		{"no rule", Policy{}, 7, ""},
		{"uid allowed", Policy{AllowUIDs: []int{5, 7}}, 7, ""},
		{"uid refused", Policy{AllowUIDs: []int{5}}, 7, ReasonUID},
		{"root is not special", Policy{AllowUIDs: []int{1000}}, 0, ReasonUID},
	} {
		err := tc.policy.checkUID(tc.uid)
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
		{AllowGroups: true, DescendantsOf: &Process{pid: 10, fd: -1}},
	} {
		var pe *PolicyError
		if err := p.Check(-5, 0); !errors.As(err, &pe) || pe.Reason != ReasonProcessGroup {
			t.Errorf("%+v.Check(-5) = %v, want a process-group refusal", p, err)
		}
	}
}
