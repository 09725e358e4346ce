package sigctl

import (
	"context"
	"os/exec"
	"testing"

	"golang.org/x/sys/unix"
)

// TestSweepTrustsAProvenProcessOnlyByIdentity: a sweep's proven process
// ends a walk only while it is still the process at its pid. A proven
// entry forged for the parent's pid, holding a reaped process whose start
// time is the parent's, must not prove the child (the parent is not a
// descendant); a true entry proves it in one step. Without pidfds the
// start time identifies the entry.
func TestSweepTrustsAProvenProcessOnlyByIdentity(t *testing.T) {
	ancestor := startSleep(t) // the tree below is not under it
	a, err := Open(ancestor.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	tr := startTree(t, smallTree, 5, 3)
	root := tr.root.Process.Pid
	child, err := Open(tr.descendants()[0])
	if err != nil {
		t.Fatal(err)
	}
	defer child.Close()
	info, err := child.statInfo()
	if err != nil || info.PPID != root {
		t.Fatalf("the root's child: %+v, %v", info, err)
	}
	rootInfo, err := readInfo(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		entry func(t *testing.T) *Process
		start string
		want  bool
	}{
		{"a reaped process at the parent's pid", reapedHandle, rootInfo.StartTime, false},
		{"the parent itself", func(t *testing.T) *Process { return openOrFail(t, root) }, rootInfo.StartTime, true},
		{"a bare pid with another start time", func(*testing.T) *Process { return &Process{pid: root, fd: -1} }, rootInfo.StartTime + "0", false},
		{"a bare pid with the parent's start time", func(*testing.T) *Process { return &Process{pid: root, fd: -1} }, rootInfo.StartTime, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := NewController(Policy{DescendantsOf: a})
			sw := newSweep(context.Background(), true)
			defer sw.close()
			sw.proven[root] = provenProcess{p: tc.entry(t), startTime: tc.start}
			steps := 0
			k.hooks = &testHooks{onWalkStep: func(int, int) { steps++ }}
			ok, err := k.descends(sw, child, root, a)
			if err != nil || ok != tc.want {
				t.Fatalf("descends = %v, %v; want %v", ok, err, tc.want)
			}
			if _, kept := sw.proven[root]; kept != tc.want {
				t.Errorf("the entry is kept: %v, want %v", kept, tc.want)
			}
			if tc.want && steps != 1 {
				t.Errorf("%d steps, want 1", steps)
			}
		})
	}
}

// reapedHandle returns a pidfd on a child that has exited and been
// reaped since.
func reapedHandle(t *testing.T) *Process {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	fd, err := unix.PidfdOpen(cmd.Process.Pid, 0)
	cmd.Wait()
	if err != nil {
		t.Fatal(err)
	}
	return &Process{pid: cmd.Process.Pid, fd: fd}
}

// openOrFail opens pid or fails the test.
func openOrFail(t *testing.T, pid int) *Process {
	t.Helper()
	p, err := Open(pid)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
