package sigctl

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sigrpc/sigrpc/internal/proctest"
)

// These tests start their own process trees (a shell and what it starts)
// and signal nothing else. Every process of a tree is held through a pidfd
// from the moment the test has seen it, and is killed through it when the
// test ends, stopped or not, whatever the outcome.

// testTree is a process tree a test started.
type testTree struct {
	root *exec.Cmd
	pids []int       // the root, then its descendants, parents first
	fds  map[int]int // a pidfd for every descendant held
}

// startTree runs script with sh as the root of a tree, in a process group
// of its own, and waits until the tree has size processes, sleeps of them
// running sleep.
func startTree(t testing.TB, script string, size, sleeps int) *testTree {
	t.Helper()
	root := exec.Command("sh", "-c", "ulimit -c 0; "+script)
	root.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := root.Start(); err != nil {
		t.Fatal(err)
	}
	tr := &testTree{root: root, pids: []int{root.Process.Pid}, fds: map[int]int{}}
	t.Cleanup(tr.kill)
	deadline := time.Now().Add(60 * time.Second) // a 1000-deep chain on a loaded machine
	for {
		tr.hold(t)
		n := 0
		for _, pid := range tr.pids {
			if proctest.Comm(pid) == "sleep" {
				n++
			}
		}
		if len(tr.pids) == size && n == sleeps {
			return tr
		}
		if len(tr.pids) > size || time.Now().After(deadline) {
			t.Fatalf("the tree has %d processes, %d running sleep; want %d and %d", len(tr.pids), n, size, sleeps)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// hold opens a pidfd on every descendant of the root not held yet: a pid
// listed as the child of a process held, whose parent pid, read after the
// open, is that process, which is still there.
func (tr *testTree) hold(t testing.TB) {
	t.Helper()
	for i := 0; i < len(tr.pids); i++ {
		parent := tr.pids[i]
		for _, pid := range proctest.Children(parent) {
			if slices.Contains(tr.pids, pid) {
				continue
			}
			fd, err := unix.PidfdOpen(pid, 0)
			if err != nil {
				continue // gone already
			}
			if ppid, ok := proctest.Parent(pid); !ok || ppid != parent || (i > 0 && pollExited(tr.fds[parent])) {
				unix.Close(fd)
				continue
			}
			tr.fds[pid] = fd
			tr.pids = append(tr.pids, pid)
		}
	}
}

// kill kills every process of the tree through its pidfd, then the root,
// and reaps the root.
func (tr *testTree) kill() {
	for _, fd := range tr.fds {
		unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0)
		unix.Close(fd)
	}
	tr.fds = nil
	tr.root.Process.Kill()
	tr.root.Wait()
}

// descendants returns the tree's processes but its root.
func (tr *testTree) descendants() []int { return tr.pids[1:] }

// assertRunning checks that every pid is alive, not stopped, and has no
// signal pending but CHLD (which a STOP or CONT of a child of its brings)
// and CONT (pending until the continued process next runs).
func assertRunning(t *testing.T, pids []int) {
	t.Helper()
	assertState(t, pids, 1<<(unix.SIGCHLD-1)|1<<(unix.SIGCONT-1))
}

// assertUntouched checks that every pid is alive, not stopped, has no
// signal pending and has not been woken since switches were read (see
// wakeups): nothing was sent to it, not even a STOP and a CONT.
func assertUntouched(t *testing.T, pids []int, switches map[int]string) {
	t.Helper()
	assertState(t, pids, 0)
	for _, pid := range pids {
		if proctest.Wakeups(pid) != switches[pid] {
			t.Errorf("process %d (%s) was woken: context switches %s, then %s", pid, proctest.Comm(pid), switches[pid], proctest.Wakeups(pid))
		}
	}
}

// assertState checks that every pid is alive, not stopped, with no signal
// pending but those in allowed.
func assertState(t *testing.T, pids []int, allowed uint64) {
	t.Helper()
	for _, pid := range pids {
		switch s := proctest.State(pid); s {
		case "S", "R", "D": // running, or about to run after a CONT
		case "":
			t.Errorf("process %d (%s) has gone", pid, proctest.Comm(pid))
			continue
		default:
			t.Errorf("process %d (%s) is in state %s, want it running", pid, proctest.Comm(pid), s)
		}
		for _, key := range []string{"SigPnd", "ShdPnd"} {
			if v := proctest.StatusLine(pid, key); mask(v)&^allowed != 0 {
				t.Errorf("process %d (%s) has %s %s", pid, proctest.Comm(pid), key, v)
			}
		}
	}
}

// switchesOf records wakeups for each pid once each is asleep and its
// count has settled (a process just started is still being switched in
// and out).
func switchesOf(t *testing.T, pids []int) map[int]string {
	t.Helper()
	m := map[int]string{}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		settled := true
		for _, pid := range pids {
			w := proctest.Wakeups(pid)
			settled = settled && proctest.State(pid) == "S" && w == m[pid]
			m[pid] = w
		}
		if settled {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("the processes %v did not settle asleep", pids)
		}
	}
}

// smallTree is a root with a sleep and a shell with two sleeps: five
// processes, three of them sleeps.
const smallTree = `sleep 1000 & sh -c "sleep 1000 & sleep 1000 & wait" & wait`

// listers are the ways of reading children: the children files, and the
// parent pid of every process, as on kernels without those files; and
// the latter with bare pids, as on kernels without pidfds.
var listers = map[string]func() *Controller{
	"children files": func() *Controller { return NewController(Policy{}) },
	"ppid fallback":  func() *Controller { k := NewController(Policy{}); k.sys = osSystem{noChildrenFile: true}; return k },
	"no pidfds":      func() *Controller { return &Controller{sys: osSystem{noPidfd: true, noChildrenFile: true}} },
}

func TestChildrenListsEachChildOnceVerified(t *testing.T) {
	for name, newController := range listers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			k := newController()
			tr := startTree(t, smallTree, 5, 3)
			root := tr.root.Process.Pid
			kids, err := k.Children(root, false)
			if err != nil {
				t.Fatal(err)
			}
			if len(kids) != 2 {
				t.Fatalf("Children(root) = %+v, want 2", kids)
			}
			for _, c := range kids {
				info, err := k.Inspect(c.PID)
				if err != nil || c.PPID != root || c.StartTime != info.StartTime || c.Comm != info.Comm {
					t.Errorf("child %+v; inspect says %+v, %v", c, info, err)
				}
			}
			all, err := k.Children(root, true)
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, c := range all {
				got = append(got, c.PID)
			}
			if want := tr.descendants(); !sameSet(got, want) {
				t.Fatalf("Children(root, recursive) = %v, want %v", got, want)
			}
			for i, c := range all { // parents before children
				if c.PPID != root && !slices.ContainsFunc(all[:i], func(p Child) bool { return p.PID == c.PPID }) {
					t.Errorf("%d is listed before its parent %d: %+v", c.PID, c.PPID, all)
				}
			}
			if kids, err := k.Children(tr.descendants()[0], true); err != nil || len(kids) != 0 {
				t.Errorf("Children(a sleep) = %+v, %v; want none", kids, err)
			}
		})
	}
}

func sameSet(a, b []int) bool {
	return len(a) == len(b) && !slices.ContainsFunc(a, func(x int) bool { return !slices.Contains(b, x) })
}

func TestChildrenChecksThePidAsInspectDoes(t *testing.T) {
	k := NewController(Policy{Self: os.Getpid()})
	var osErr *OSError
	if _, err := k.Children(absentPID, false); !errors.As(err, &osErr) || osErr.Errno != unix.ESRCH {
		t.Errorf("Children(absent) = %v, want ESRCH", err)
	}
	var pidErr *PIDError
	for _, pid := range []int{0, -1, -5} {
		if _, err := k.Children(pid, true); !errors.As(err, &pidErr) {
			t.Errorf("Children(%d) = %v, want a *PIDError", pid, err)
		}
	}
	for _, tid := range ownThreads(t) {
		if _, err := os.Stat("/proc/self/task/" + strconv.Itoa(tid)); err != nil {
			continue
		}
		if _, err := k.Children(tid, false); !errors.As(err, &osErr) || osErr.Reason != ReasonThread {
			t.Errorf("Children(own thread %d) = %v, want ESRCH %q", tid, err, ReasonThread)
		}
	}
	narrowed := NewController(Policy{AllowUIDs: []int{os.Getuid() + 12345}})
	var pe *PolicyError
	cmd := startSleep(t)
	if _, err := narrowed.Children(cmd.Process.Pid, false); !errors.As(err, &pe) || pe.Reason != ReasonUID {
		t.Errorf("narrowed Children(a child of another uid) = %v, want a uid refusal", err)
	}
}

// TestVerifyChildTakesOnlyAChild: a pid that /proc listed as a child but
// that no longer names one (reaped, or reused by another process) is not
// taken for a child.
func TestVerifyChildTakesOnlyAChild(t *testing.T) {
	k := NewController(Policy{})
	tr := startTree(t, smallTree, 5, 3)
	parent, err := Open(tr.root.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	defer parent.Close()
	var child, grandchild int
	for _, pid := range tr.descendants() {
		if ppid, _ := proctest.Parent(pid); ppid == parent.pid {
			child = pid
		} else {
			grandchild = pid
		}
	}
	for name, tc := range map[string]struct {
		pid  int
		want bool
	}{
		"a child":                         {child, true},
		"a grandchild":                    {grandchild, false},
		"a process that is not its child": {startSleep(t).Process.Pid, false},
		"a reaped pid":                    {reapedPID(t), false},
	} {
		f, ok, err := k.verifyChild(parent, tc.pid, false)
		if err != nil || ok != tc.want {
			t.Errorf("%s: verifyChild = %v, %v; want %v", name, ok, err, tc.want)
		}
		if ok {
			if f.info.PPID != parent.pid || f.p.pid != tc.pid {
				t.Errorf("%s: found %+v", name, f.info)
			}
			f.p.Close()
		}
	}
}

// reapedPID returns the pid of a child that has exited and been reaped.
func reapedPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

// treeOpts terminates with TERM, escalating to KILL.
var treeOpts = TerminateOptions{Signal: Signum(unix.SIGTERM), Timeout: 300 * time.Millisecond, Escalate: true, EscalateSignal: Signum(unix.SIGKILL), EscalateTimeout: 5 * time.Second, Tree: true}

// TestTerminateTreeEndsEveryMember: a tree with a member that ignores
// TERM, one that called setsid and a zombie, with each way of listing:
// every member is reported and has gone, the TERM-ignoring one escalated.
func TestTerminateTreeEndsEveryMember(t *testing.T) {
	needSetsid(t)
	const script = `sleep 1000 &
sh -c "trap '' TERM; exec sleep 1000" &
setsid sh -c "sleep 1000 & wait" &
sh -c "true & exec sleep 1000" &
wait`
	for name, newController := range listers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			k := newController()
			tr := startTree(t, script, 7, 4)
			ignorer, zombie := -1, -1
			for deadline := time.Now().Add(10 * time.Second); ignorer < 0 || zombie < 0; time.Sleep(time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("no TERM-ignoring member or no zombie in %v", tr.pids)
				}
				for _, pid := range tr.descendants() {
					switch {
					case proctest.State(pid) == "Z":
						zombie = pid
					case proctest.Comm(pid) == "sleep" && mask(proctest.StatusLine(pid, "SigIgn"))&(1<<(unix.SIGTERM-1)) != 0:
						ignorer = pid
					}
				}
			}
			res, err := k.Terminate(context.Background(), Target{PID: tr.root.Process.Pid}, treeOpts)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Exited || !res.Escalated || len(res.Members) != len(tr.pids) {
				t.Fatalf("Terminate = %+v, want every one of %d members exited", res, len(tr.pids))
			}
			var got []int
			for i, m := range res.Members {
				got = append(got, m.PID)
				if !m.Exited || m.Refused != "" || m.Escalated != (m.PID == ignorer) || (i == 0 && m.PID != tr.root.Process.Pid) {
					t.Errorf("member %+v", m)
				}
			}
			if !sameSet(got, tr.pids) {
				t.Errorf("members %v, want %v", got, tr.pids)
			}
			for _, pid := range tr.descendants() {
				if !pollExited(tr.fds[pid]) {
					t.Errorf("process %d (%s) is still running", pid, proctest.Comm(pid))
				}
			}
		})
	}
}

// mask parses a hexadecimal signal mask from /proc/<pid>/status.
func mask(s string) uint64 {
	n, _ := strconv.ParseUint(s, 16, 64)
	return n
}

// TestTreeRootsThatAreNeverMembers: pid 1, the helper and its ancestors
// cannot root a tree; nothing is sent, not even STOP.
func TestTreeRootsThatAreNeverMembers(t *testing.T) {
	for _, tc := range []struct {
		name   string
		pid    int
		sig    Signum
		reason string
	}{
		{"pid 1", 1, Signum(unix.SIGTERM), ReasonInit},
		{"the helper, with NONE", os.Getpid(), None, ReasonSelf},
		{"the helper", os.Getpid(), Signum(unix.SIGTERM), ReasonSelf},
		{"the helper's parent", os.Getppid(), Signum(unix.SIGTERM), ReasonAncestor},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, rec := fakeKiller(Policy{Self: os.Getpid()})
			opts := treeOpts
			opts.Signal = tc.sig
			var pe *PolicyError
			if _, err := k.Terminate(context.Background(), Target{PID: tc.pid}, opts); !errors.As(err, &pe) || pe.Reason != tc.reason {
				t.Errorf("Terminate(%d, tree) = %v, want a %s refusal", tc.pid, err, tc.reason)
			}
			if len(rec.sent) != 0 {
				t.Errorf("sent %v", rec.sent)
			}
		})
	}
}

// TestTreeLeavesNothingStoppedWhenTheCallFails: an error, or a panic,
// after the stop pass (every member seen stopped) ends the call; every
// member is continued, and nothing else was sent.
func TestTreeLeavesNothingStoppedWhenTheCallFails(t *testing.T) {
	injected := errors.New("injected after the stop pass")
	for name, fail := range map[string]func() error{
		"error": func() error { return injected },
		"panic": func() error { panic(injected) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tr := startTree(t, smallTree, 5, 3)
			before := switchesOf(t, tr.pids)
			k := NewController(Policy{})
			var stopped []string
			k.hooks = &testHooks{onStopped: func() error {
				for _, pid := range tr.pids {
					stopped = append(stopped, proctest.State(pid))
				}
				return fail()
			}}
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						err = r.(error)
					}
				}()
				_, err = k.Terminate(context.Background(), Target{PID: tr.root.Process.Pid}, treeOpts)
			}()
			if !errors.Is(err, injected) {
				t.Fatalf("Terminate = %v, want the injected failure", err)
			}
			if want := slices.Repeat([]string{"T"}, len(tr.pids)); !slices.Equal(stopped, want) {
				t.Fatalf("states after the stop pass %v, want %v", stopped, want)
			}
			assertRunning(t, tr.pids)
			for _, pid := range tr.pids {
				if proctest.Wakeups(pid) == before[pid] {
					t.Errorf("process %d was never stopped", pid)
				}
			}
		})
	}
}

// TestTreeBounds: a tree beyond the member limit, or still growing after
// the pass limit, is an error; every member stopped is continued, and no
// other signal is sent.
func TestTreeBounds(t *testing.T) {
	for _, tc := range []struct {
		name  string
		set   func(*Controller)
		errno syscall.Errno
		text  string
	}{
		{"members", func(k *Controller) { k.hooks = &testHooks{maxMembers: 3} }, unix.E2BIG, "Argument list too long (tree has more than 3 members)"},
		{"passes", func(k *Controller) { k.hooks = &testHooks{maxPasses: 1} }, unix.EAGAIN, "Resource temporarily unavailable (tree still growing after 1 passes)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tr := startTree(t, smallTree, 5, 3)
			k := NewController(Policy{})
			tc.set(k)
			_, err := k.Terminate(context.Background(), Target{PID: tr.root.Process.Pid}, treeOpts)
			var osErr *OSError
			if !errors.As(err, &osErr) || osErr.Errno != tc.errno || err.Error() != tc.text {
				t.Fatalf("Terminate = %v, want %q", err, tc.text)
			}
			assertRunning(t, tr.pids)
		})
	}
}

// TestTreeMemberThatLeavesTheClientsTree: under --descendants-only (the
// test process as the client), a member whose parent dies while the tree
// is stopped is out of the client's tree from then on: its signal is
// refused and reported, not sent, and it is continued all the same.
func TestTreeMemberThatLeavesTheClientsTree(t *testing.T) {
	needSetsid(t)
	client, err := Open(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	k := NewController(Policy{DescendantsOf: client})
	// The leaf leads a session of its own: had it shared the root's
	// process group, the root's death would orphan that group with the
	// leaf stopped in it, and the kernel would send it HUP and CONT.
	tr := startTree(t, `sh -c "setsid sleep 1000 & wait" & wait`, 3, 1)
	middle, leaf := tr.pids[1], tr.pids[2]
	k.hooks = &testHooks{}
	k.hooks.onStopped = func() error {
		k.hooks.onStopped = nil
		unix.PidfdSendSignal(tr.fds[middle], unix.SIGKILL, nil, 0)
		for ppid, _ := proctest.Parent(leaf); ppid == middle; ppid, _ = proctest.Parent(leaf) {
			time.Sleep(time.Millisecond)
		}
		return nil
	}
	res, err := k.Terminate(context.Background(), Target{PID: tr.root.Process.Pid}, treeOpts)
	if err != nil {
		t.Fatal(err)
	}
	want := []Member{
		{PID: tr.pids[0], Exited: true},
		{PID: middle, Exited: true},
		{PID: leaf, Refused: ReasonNotDescendant},
	}
	for i := range res.Members {
		res.Members[i].StartTime = ""
	}
	if res.Exited || res.Escalated || !slices.Equal(res.Members, want) {
		t.Fatalf("Terminate = %+v, want members %+v", res, want)
	}
	assertRunning(t, []int{leaf})
}

// TestTreeUnsupportedWithoutLinux is in tree_bsd.go's terms: on Linux the
// tree is supported, and a tree of one process is that process.
func TestTreeOfOneProcess(t *testing.T) {
	cmd := startSleep(t)
	res, err := NewController(Policy{}).Terminate(context.Background(), Target{PID: cmd.Process.Pid}, treeOpts)
	if err != nil || !res.Exited || res.Escalated || len(res.Members) != 1 || res.Members[0].PID != cmd.Process.Pid {
		t.Fatalf("Terminate = %+v, %v", res, err)
	}
	if sig := waitSignal(t, cmd); sig != syscall.SIGTERM {
		t.Fatalf("ended by %v, want TERM", sig)
	}
}

// TestTreeRefusesMembersOfAnotherUID: under --allow-uid 0, the members
// that run as another uid (a shell and its child) are reported refused
// and are never stopped or signalled; the rest of the tree is ended.
func TestTreeRefusesMembersOfAnotherUID(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: a member runs as another uid")
	}
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Skip("needs setpriv (util-linux) to start a member as another uid")
	}
	tr := startTree(t, `setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "sleep 1000 & wait" & sleep 1000 & wait`, 4, 2)
	var other []int
	for _, pid := range tr.descendants() {
		if proctest.StatusLine(pid, "Uid") != "0\t0\t0\t0" {
			other = append(other, pid)
		}
	}
	if len(other) != 2 {
		t.Fatalf("%d members of another uid, want 2", len(other))
	}
	before := switchesOf(t, other)
	k := NewController(Policy{AllowUIDs: []int{0}})
	// children describes only what the narrowed helper may signal.
	kids, err := k.Children(tr.root.Process.Pid, true)
	if err != nil || len(kids) != 1 || slices.Contains(other, kids[0].PID) {
		t.Errorf("narrowed Children(root, recursive) = %+v, %v; want the one member of uid 0", kids, err)
	}
	res, err := k.Terminate(context.Background(), Target{PID: tr.root.Process.Pid}, treeOpts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Exited || len(res.Members) != 4 {
		t.Fatalf("Terminate = %+v, want 4 members, not all exited", res)
	}
	for _, m := range res.Members {
		refused := slices.Contains(other, m.PID)
		if refused != (m.Refused == ReasonUID) || m.Exited == refused || m.Escalated {
			t.Errorf("member %+v", m)
		}
	}
	assertUntouched(t, other, before)
}

// needSetsid fails the test at once, saying why, where setsid(1)
// (util-linux) is missing: a member of its tree calls it.
func needSetsid(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Fatal("this test needs setsid(1), from util-linux, for a member that leads its own session")
	}
}
