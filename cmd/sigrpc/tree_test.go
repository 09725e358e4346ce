//go:build linux

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sigrpc/sigrpc/internal/proctest"
)

// This file proves terminate with tree (and children) end to end, through
// the helper, on trees the tests start under a nursery: this test binary
// run as a child subreaper, so that every process of a tree, even one
// orphaned or forked while the helper works, stays below it where the test
// can see it, and is killed when the test ends. Beside each tree the
// nursery starts two processes the helper must not touch: a sibling of the
// tree's root, and a process that joined the root's process group.

// Nursery mode: the test binary started with SIGRPC_TEST_NURSERY set.
func init() {
	if os.Getenv("SIGRPC_TEST_NURSERY") != "" {
		os.Exit(runNursery(os.Getenv("SIGRPC_TEST_TREE")))
	}
}

// runNursery makes itself a child subreaper, starts script with sh as the
// root of a tree, leading its own process group, then a sleep beside it
// and a sleep in its process group; it prints their three pids. It reaps
// nothing until its input ends, so that every process below it stays
// there, as a zombie once it has exited; then it kills everything below
// it and reaps it.
func runNursery(script string) int {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		fmt.Fprintln(os.Stderr, "nursery: PR_SET_CHILD_SUBREAPER:", err)
		return 1
	}
	root := exec.Command("sh", "-c", "ulimit -c 0; "+script)
	root.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	sibling := exec.Command("sleep", "1000")
	joiner := exec.Command("sleep", "1000")
	for _, cmd := range []*exec.Cmd{root, sibling, joiner} {
		if cmd == joiner {
			joiner.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pgid: root.Process.Pid}
		}
		if err := cmd.Start(); err != nil {
			fmt.Fprintln(os.Stderr, "nursery:", err)
			killBelow()
			return 1
		}
	}
	fmt.Printf("%d %d %d\n", root.Process.Pid, sibling.Process.Pid, joiner.Process.Pid)
	io.Copy(io.Discard, os.Stdin)
	if !killBelow() {
		fmt.Fprintln(os.Stderr, "nursery: processes still running below after 10s")
		return 1
	}
	return 0
}

// killBelow kills the nursery's children through pidfds and reaps them,
// until none is left: the children of each one it kills come to it, the
// subreaper, and are killed next. Its own unreaped children's pids cannot
// name anything else. It reports whether none was left within 10 s.
func killBelow() bool {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		kids := proctest.Children(os.Getpid())
		if len(kids) == 0 {
			return true
		}
		for _, pid := range kids {
			if fd, err := unix.PidfdOpen(pid, 0); err == nil {
				unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0)
				unix.Close(fd)
			}
		}
		for {
			var ws unix.WaitStatus
			if pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil); pid <= 0 || err != nil {
				break
			}
		}
	}
	return false
}

// nursery is a nursery the test started, and what it started.
type nursery struct {
	root, sibling, joiner int
}

// startNursery starts a nursery for script and, when the test ends, has it
// kill everything below it.
func startNursery(t *testing.T, script string) *nursery {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "SIGRPC_TEST_NURSERY=1", "SIGRPC_TEST_TREE="+script)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("the nursery: %v; %s", err, stderr.String())
			}
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Errorf("the nursery did not end within 15s")
		}
	})
	n := &nursery{}
	line, err := readLine(bufio.NewReader(stdout), 10*time.Second)
	if _, serr := fmt.Sscan(line, &n.root, &n.sibling, &n.joiner); err != nil || serr != nil {
		t.Fatalf("the nursery did not start: %q, %v, %v; %s", line, err, serr, stderr.String())
	}
	return n
}

// treeOf returns pid and its descendants, parents first, as /proc lists
// them now.
func treeOf(pid int) []int {
	pids := []int{pid}
	for i := 0; i < len(pids); i++ {
		pids = append(pids, proctest.Children(pids[i])...)
	}
	return pids
}

// waitTree waits until the tree rooted at root has size processes, sleeps
// of them running sleep, and those with a zombie among them; it returns
// the tree.
func waitTree(t *testing.T, root, size, sleeps, zombies int) []int {
	t.Helper()
	var pids []int
	waitFor(t, fmt.Sprintf("a tree of %d processes, %d of them sleeps and %d zombies", size, sleeps, zombies), func() bool {
		pids = treeOf(root)
		s, z := 0, 0
		for _, pid := range pids {
			switch {
			case proctest.State(pid) == "Z":
				z++
			case proctest.Comm(pid) == "sleep":
				s++
			}
		}
		return len(pids) == size && s == sleeps && z == zombies
	})
	return pids
}

// ignoresTERM reports whether pid ignores TERM.
func ignoresTERM(pid int) bool {
	m, _ := strconv.ParseUint(proctest.StatusLine(pid, "SigIgn"), 16, 64)
	return m&(1<<(unix.SIGTERM-1)) != 0
}

// untouched records wakeups for pids, for assertUntouched, once each is
// asleep and its count has settled (a process just started is still
// being switched in and out).
func untouched(t *testing.T, pids ...int) map[int]string {
	t.Helper()
	m := map[int]string{}
	waitFor(t, "the processes to settle", func() bool {
		settled := true
		for _, pid := range pids {
			w := proctest.Wakeups(pid)
			settled = settled && proctest.State(pid) == "S" && w == m[pid]
			m[pid] = w
		}
		if !settled {
			time.Sleep(20 * time.Millisecond)
		}
		return settled
	})
	return m
}

// assertUntouched checks that each process is still sleeping, with no
// signal pending, and has not been woken since before was read.
func assertUntouched(t *testing.T, before map[int]string) {
	t.Helper()
	for pid, w := range before {
		if s := proctest.State(pid); s != "S" {
			t.Errorf("process %d (%s) is in state %q, want S: it was touched", pid, proctest.Comm(pid), s)
			continue
		}
		assertNoPendingSignal(t, pid)
		if now := proctest.Wakeups(pid); now != w {
			t.Errorf("process %d (%s) was woken (context switches %s, then %s): something was sent to it", pid, proctest.Comm(pid), w, now)
		}
	}
}

// survivors returns the processes below the nursery that are still
// running, but for the two outside the tree.
func (n *nursery) survivors(nurseryPid int) []string {
	var alive []string
	for _, pid := range treeOf(nurseryPid)[1:] {
		if pid == n.sibling || pid == n.joiner {
			continue
		}
		if s := proctest.State(pid); s != "Z" && s != "X" && s != "" {
			alive = append(alive, fmt.Sprintf("%d (%s, %s)", pid, proctest.Comm(pid), s))
		}
	}
	return alive
}

// pid returns the nursery's pid: the root's parent.
func (n *nursery) pid(t *testing.T) int {
	t.Helper()
	f := proctest.Stat(n.root)
	if f == nil {
		t.Fatal("the tree's root is gone")
	}
	pid, _ := strconv.Atoi(f[1])
	return pid
}

// treeResult is terminate's result with tree.
type treeResult struct {
	Exited, Escalated bool
	ElapsedMS         int `json:"elapsed_ms"`
	Complete          *bool
	Method            string
	Members           []struct {
		PID               int
		StartTime         string `json:"start_time"`
		Exited, Escalated bool
		Refused           string
	}
}

// terminateTree calls terminate with tree on pid, TERM then KILL after
// 300 ms, and returns its result.
func terminateTree(t *testing.T, h *helperProc, pid int) treeResult {
	t.Helper()
	line := h.call(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"terminate","params":{"pid":%d,"tree":true,"timeout_ms":300,"escalate_timeout_ms":5000}}`, pid))
	var resp struct {
		Result *treeResult
	}
	if err := json.Unmarshal([]byte(line), &resp); err != nil || resp.Result == nil {
		t.Fatalf("terminate with tree: %s", line)
	}
	return *resp.Result
}

// twentyProcesses is a tree of three levels and twenty processes: the
// root; four sleeps; a shell with three; a shell that called setsid, with
// three; a sleep that ignores TERM; a shell with another such sleep and
// two sleeps; a sleep that never reaps its child, a zombie.
const twentyProcesses = `sleep 1000 & sleep 1000 & sleep 1000 & sleep 1000 &
sh -c "sleep 1000 & sleep 1000 & sleep 1000 & wait" &
setsid sh -c "sleep 1000 & sleep 1000 & sleep 1000 & wait" &
sh -c "trap '' TERM; exec sleep 1000" &
sh -c "sh -c \"trap '' TERM; exec sleep 1000\" & sleep 1000 & sleep 1000 & wait" &
sh -c "true & exec sleep 1000" &
wait`

// TestTerminateTreeEndsEveryMember: terminate(root, tree) on a tree of
// twenty processes, with a member that called setsid, two that ignore
// TERM and a zombie, ends every one of them and reports each; the sibling
// and the process that joined the root's group are untouched.
func TestTerminateTreeEndsEveryMember(t *testing.T) {
	needSetsid(t)
	n := startNursery(t, twentyProcesses)
	pids := waitTree(t, n.root, 20, 15, 1)
	waitFor(t, "the TERM-ignoring sleeps", func() bool {
		c := 0
		for _, pid := range pids {
			if proctest.Comm(pid) == "sleep" && ignoresTERM(pid) {
				c++
			}
		}
		return c == 2
	})
	nurseryPid := n.pid(t)
	if f := proctest.Stat(n.joiner); f == nil || f[2] != strconv.Itoa(n.root) {
		t.Fatalf("the joiner is not in the root's process group: %v", f)
	}
	outside := untouched(t, n.sibling, n.joiner)
	type proc struct {
		ppid             int
		startTime, state string
		setsid, ignores  bool
	}
	procs := map[int]proc{}
	for _, pid := range pids {
		f := proctest.Stat(pid)
		ppid, _ := strconv.Atoi(f[1])
		procs[pid] = proc{ppid, f[19], f[0], f[3] == strconv.Itoa(pid), proctest.Comm(pid) == "sleep" && ignoresTERM(pid)}
	}
	if leaders := slices.DeleteFunc(slices.Clone(pids), func(pid int) bool { return !procs[pid].setsid }); len(leaders) != 1 {
		t.Fatalf("session leaders in the tree: %v, want the one that called setsid", leaders)
	}
	h := startHelper(t)

	// children lists the same tree, parents first.
	var listing struct {
		Result []struct {
			PID, PPID int
			StartTime string `json:"start_time"`
			Comm      string
		}
	}
	line := h.call(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"children","params":{"pid":%d,"recursive":true}}`, n.root))
	if err := json.Unmarshal([]byte(line), &listing); err != nil || len(listing.Result) != len(pids)-1 {
		t.Fatalf("children(root, recursive): %s; want %d processes", line, len(pids)-1)
	}
	listed := []int{n.root}
	for _, c := range listing.Result {
		p, ok := procs[c.PID]
		if !ok || p.ppid != c.PPID || p.startTime != c.StartTime || c.Comm != proctest.Comm(c.PID) || !slices.Contains(listed, c.PPID) {
			t.Errorf("children listed %+v; /proc says %+v", c, p)
		}
		listed = append(listed, c.PID)
	}

	start := time.Now()
	res := terminateTree(t, h, n.root)
	t.Logf("%d members ended in %v (elapsed_ms %d)", len(res.Members), time.Since(start), res.ElapsedMS)
	if !res.Exited || !res.Escalated || len(res.Members) != len(pids) {
		t.Fatalf("terminate = %+v; want all %d members exited", res, len(pids))
	}
	seen := map[int]bool{}
	for i, m := range res.Members {
		p, ok := procs[m.PID]
		switch {
		case !ok || seen[m.PID]:
			t.Errorf("member %+v is not in the tree, or twice", m)
		case i == 0 && m.PID != n.root, i > 0 && !seen[p.ppid]:
			t.Errorf("member %d comes before its parent %d", m.PID, p.ppid)
		case !m.Exited || m.Refused != "" || m.StartTime != p.startTime:
			t.Errorf("member %+v; /proc said %+v", m, p)
		case m.Escalated != p.ignores:
			t.Errorf("member %d (ignores TERM: %v) escalated: %v", m.PID, p.ignores, m.Escalated)
		}
		seen[m.PID] = true
	}
	if s := n.survivors(nurseryPid); len(s) > 0 {
		t.Errorf("still running after terminate: %v", s)
	}
	assertUntouched(t, outside)
}

// TestTerminateTreeCatchesAForker: two members fork sleeps as fast as a
// shell can (a few hundred microseconds to a millisecond apart, at most
// 300 each) while the helper works; nothing of the tree survives, not
// even a process forked during the call. Three rounds, each on a fresh
// tree, for three chances at the race: a single listing pass, which misses
// a fork that completes after STOP was sent, fails here most runs.
func TestTerminateTreeCatchesAForker(t *testing.T) {
	const forker = `for f in 1 2; do sh -c 'i=0; while [ $i -lt 300 ]; do sleep 1000 & i=$((i+1)); done; wait' & done; sleep 1000 & wait`
	h := startHelper(t)
	for round := range 3 {
		n := startNursery(t, forker)
		waitFor(t, "the forker's first children", func() bool { return len(treeOf(n.root)) >= 12+round*4 })
		nurseryPid := n.pid(t)
		outside := untouched(t, n.sibling, n.joiner)
		start := time.Now()
		res := terminateTree(t, h, n.root)
		t.Logf("round %d: %d members ended in %v", round, len(res.Members), time.Since(start))
		if !res.Exited {
			t.Errorf("terminate = %+v; want every member exited", res)
		}
		if s := n.survivors(nurseryPid); len(s) > 0 {
			t.Errorf("still running after terminate: %v", s)
		}
		assertUntouched(t, outside)
	}
}

// TestTerminateTreeUnderAllowUID: with --allow-uid 0, the members of
// another uid (a shell and its sleep) are reported refused and are never
// stopped or signalled; the others are ended.
func TestTerminateTreeUnderAllowUID(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: a member runs as another uid")
	}
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Skip("needs setpriv (util-linux) to start a member as another uid")
	}
	n := startNursery(t, `setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "sleep 1000 & wait" & sleep 1000 & sh -c "sleep 1000 & wait" & wait`)
	pids := waitTree(t, n.root, 6, 3, 0)
	var other []int
	for _, pid := range pids {
		if proctest.StatusLine(pid, "Uid") != "0\t0\t0\t0" {
			other = append(other, pid)
		}
	}
	if len(other) != 2 {
		t.Fatalf("%d members of another uid, want 2", len(other))
	}
	before := untouched(t, append(other, n.sibling, n.joiner)...)
	h := startHelper(t, "--allow-uid", "0")
	res := terminateTree(t, h, n.root)
	if res.Exited || len(res.Members) != len(pids) {
		t.Fatalf("terminate = %+v; want %d members, not all exited", res, len(pids))
	}
	for _, m := range res.Members {
		refused := slices.Contains(other, m.PID)
		if refused != (m.Refused == "uid") || m.Exited == refused || m.Escalated {
			t.Errorf("member %+v (of another uid: %v)", m, refused)
		}
	}
	assertUntouched(t, before)
}

// TestTerminateTreeUnderDescendantsOnly: with --descendants-only, a tree
// in the client's own tree is ended; a tree whose root is outside it is
// refused (-32001 not-descendant) and nothing in it is touched.
func TestTerminateTreeUnderDescendantsOnly(t *testing.T) {
	h := startHelper(t, "--descendants-only") // the client is this test process
	t.Run("inside", func(t *testing.T) {
		n := startNursery(t, `sleep 1000 & sh -c "sleep 1000 & wait" & wait`)
		waitTree(t, n.root, 4, 2, 0)
		nurseryPid := n.pid(t)
		outside := untouched(t, n.sibling, n.joiner)
		if res := terminateTree(t, h, n.root); !res.Exited || len(res.Members) != 4 {
			t.Fatalf("terminate = %+v", res)
		}
		if s := n.survivors(nurseryPid); len(s) > 0 {
			t.Errorf("still running after terminate: %v", s)
		}
		assertUntouched(t, outside)
	})
	t.Run("outside", func(t *testing.T) {
		pids := startOrphanTree(t)
		before := untouched(t, pids...)
		req := fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"terminate","params":{"pid":%d,"tree":true}}`, pids[0])
		if got := h.call(t, req); got != refusal("not-descendant") {
			t.Fatalf("terminate of a tree outside the client's: %s", got)
		}
		req = fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"children","params":[%d]}`, pids[0])
		if got := h.call(t, req); got != refusal("not-descendant") {
			t.Fatalf("children of a process outside the client's tree: %s", got)
		}
		assertUntouched(t, before)
	})
}

// startOrphanTree starts a shell with two sleeps that is not this test's
// descendant (its parent exits at once), holds each of the three through
// a pidfd, and kills them through those when the test ends. It returns
// the shell, then the sleeps.
func startOrphanTree(t *testing.T) []int {
	t.Helper()
	out, err := exec.Command("sh", "-c", `sh -c "sleep 1000 & sleep 1000 & wait" </dev/null >/dev/null 2>&1 & echo $!`).Output()
	if err != nil {
		t.Fatal(err)
	}
	root, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatal(err)
	}
	pids := []int{root}
	var fds []int
	t.Cleanup(func() {
		for _, fd := range fds {
			unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0)
			unix.Close(fd)
		}
	})
	hold := func(pid, parent int) bool {
		fd, err := unix.PidfdOpen(pid, 0)
		if err != nil {
			return false
		}
		if f := proctest.Stat(pid); f == nil || (parent != 0 && f[1] != strconv.Itoa(parent)) {
			unix.Close(fd)
			return false
		}
		fds = append(fds, fd)
		return true
	}
	if !hold(root, 0) {
		t.Fatalf("the orphan %d is gone", root)
	}
	waitFor(t, "the orphan's two sleeps", func() bool {
		kids := proctest.Children(root)
		return len(kids) == 2 && proctest.Comm(kids[0]) == "sleep" && proctest.Comm(kids[1]) == "sleep"
	})
	for _, pid := range proctest.Children(root) {
		if !hold(pid, root) {
			t.Fatalf("the orphan's child %d is gone", pid)
		}
		pids = append(pids, pid)
	}
	if f := proctest.Stat(root); f[1] == strconv.Itoa(os.Getpid()) {
		t.Fatalf("the orphan %d is still this test's child", root)
	}
	return pids
}

// needSetsid fails the test at once, saying why, where setsid(1)
// (util-linux) is missing: a member of its tree calls it.
func needSetsid(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Fatal("this test needs setsid(1), from util-linux, for a member that leads its own session")
	}
}
