//go:build linux

package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sigrpc/sigrpc/internal/spawn"
)

// TestProcOfAnotherPIDNamespaceIsNotTrusted runs sigrpc in a pid namespace
// whose /proc is not its own: entered with nsenter -p and no mount
// namespace, as a client that made a pid namespace without mounting /proc
// would start it. There /proc/N describes the process the outer namespace
// calls N, while the pidfd for pid N holds the process this namespace
// calls N. The test makes the two differ on purpose: a decoy running as
// nobody on the host, host pid H, and a victim running as root in the
// namespace, namespace pid H. A helper allowed to signal only nobody's
// processes is asked to describe and to kill pid H: it must neither
// describe the decoy as pid H nor signal the root victim on the strength
// of the decoy's uid.
func TestProcOfAnotherPIDNamespaceIsNotTrusted(t *testing.T) {
	needRootAnd(t, "nsenter")
	decoy := spawn.Script(t, asNobody, "exec sleep 1000")
	h := decoy.Pid
	nsInit, victimNS, victimHost := victimInNewPIDNamespace(t, fmt.Sprint(h))
	if victimNS != h {
		t.Fatalf("the victim is pid %d in the namespace, want %d", victimNS, h)
	}

	input := fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"inspect","params":[%d]}`+"\n%s\n", h, killRequest(h, "TERM"))
	stdout, stderr, code := spawn.Run(t, spawn.Options{}, input, "nsenter", "-t", fmt.Sprint(nsInit), "-p", "--", binPath, "--allow-uid", fmt.Sprint(nobody))
	if code != 0 {
		t.Fatalf("sigrpc: exit %d; stderr %q", code, stderr)
	}
	answers := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(answers) != 2 {
		t.Fatalf("answers %q, want two", answers)
	}
	t.Logf("inspect(%d): %s", h, answers[0])
	t.Logf("kill(%d, TERM): %s", h, answers[1])
	if strings.Contains(answers[0], `"uid":65534`) {
		t.Errorf("inspect(%d) in the namespace describes the decoy, host pid %d, not the namespace's pid %d", h, h, h)
	}
	if answers[1] == sent {
		t.Errorf("kill(%d, TERM) was sent to a root process by a helper allowed only uid %d", h, nobody)
	}
	spawn.AssertAlive(t, victimHost)
	decoy.AssertUntouched(t)
}
