//go:build linux

// Package nursery starts process trees for tests of terminate with tree
// and children, under a nursery: the test binary itself, run again as a
// child subreaper, so that every process of a tree, even one orphaned or
// forked while the helper works, stays below it where the test can see
// it, and is killed when the test ends. Beside each tree the nursery
// starts two processes nothing may touch: a sibling of the tree's root,
// and a process that joined the root's process group.
//
// A test binary that imports this package can run as a nursery: its
// init, which runs before the tests, does so when the environment asks.
// Only tests use it.
package nursery

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sigrpc/sigrpc/internal/proctest"
	"github.com/sigrpc/sigrpc/internal/spawn"
	"github.com/sigrpc/sigrpc/internal/testio"
)

// The environment that makes a test binary a nursery, and its script.
const (
	envNursery = "SIGRPC_TEST_NURSERY"
	envTree    = "SIGRPC_TEST_TREE"
)

func init() {
	if os.Getenv(envNursery) != "" {
		os.Exit(run(os.Getenv(envTree)))
	}
}

// run makes itself a child subreaper, starts script with sh as the root
// of a tree, leading its own process group, then a sleep beside it and a
// sleep in its process group; it prints their three pids. It reaps
// nothing until its input ends, so that every process below it stays
// there, as a zombie once it has exited; then it kills everything below
// it and reaps it.
func run(script string) int {
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

// Nursery is a nursery the test started, and what it started.
type Nursery struct {
	Pid                   int // the nursery: the root's parent
	Root, Sibling, Joiner int
}

// Start starts a nursery for script and, when the test ends, has it kill
// everything below it.
func Start(t *testing.T, script string) *Nursery {
	t.Helper()
	// A race-detecting test binary would sleep a second as it exits.
	gorace := strings.TrimSpace(os.Getenv("GORACE") + " atexit_sleep_ms=0")
	p := spawn.Start(t, spawn.Options{Env: []string{envNursery + "=1", envTree + "=" + script, "GORACE=" + gorace}}, os.Args[0])
	t.Cleanup(func() {
		p.Stdin.Close()
		if ps := p.Wait(t); !ps.Success() {
			t.Errorf("the nursery: %v; %s", ps, p.Stderr)
		}
	})
	n := &Nursery{Pid: p.Pid}
	line := p.Next(t)
	if _, err := fmt.Sscan(line, &n.Root, &n.Sibling, &n.Joiner); err != nil {
		t.Fatalf("the nursery did not start: %q, %v; %s", line, err, p.Stderr)
	}
	return n
}

// Outside returns the two processes beside the tree, once they have
// settled (see Quiet).
func (n *Nursery) Outside(t *testing.T) Wakeups {
	t.Helper()
	return Quiet(t, n.Sibling, n.Joiner)
}

// Survivors returns the processes below the nursery that are still
// running, but for the two outside the tree.
func (n *Nursery) Survivors() []string {
	var alive []string
	for _, pid := range spawn.TreeOf(n.Pid)[1:] {
		if pid == n.Sibling || pid == n.Joiner {
			continue
		}
		if s := proctest.State(pid); s != "Z" && s != "X" && s != "" {
			alive = append(alive, fmt.Sprintf("%d (%s, %s)", pid, proctest.Comm(pid), s))
		}
	}
	return alive
}

// EscapedSleeps returns the sleeps running as the nursery's own children:
// those reparented out of the tree.
func (n *Nursery) EscapedSleeps() []int {
	var pids []int
	for _, pid := range proctest.Children(n.Pid) {
		if pid != n.Sibling && pid != n.Joiner && proctest.Comm(pid) == "sleep" && proctest.State(pid) != "Z" {
			pids = append(pids, pid)
		}
	}
	return pids
}

// WaitTree waits until the tree rooted at root has size processes, sleeps
// of them running sleep, and zombies zombies; it returns the tree.
func WaitTree(t *testing.T, root, size, sleeps, zombies int) []int {
	t.Helper()
	var pids []int
	spawn.WaitFor(t, fmt.Sprintf("a tree of %d processes, %d of them sleeps and %d zombies", size, sleeps, zombies), func() bool {
		pids = spawn.TreeOf(root)
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

// Chain is a nursery script for a chain of processes: depth shells, each
// the parent of the next, and a sleep at the bottom.
func Chain(depth int) string {
	return fmt.Sprintf(`export S='if [ "$D" -gt 0 ]; then D=$((D-1)) sh -c "$S"; else exec sleep 1000; fi'; D=%d sh -c "$S"`, depth-1)
}

// WaitChain waits until the chain of Chain(depth) below root is built,
// and returns it.
func WaitChain(t *testing.T, root, depth int) []int {
	t.Helper()
	var pids []int
	spawn.WaitFor(t, "the chain to be built", func() bool {
		pids = spawn.TreeOf(root)
		return len(pids) == depth+1 && proctest.Comm(pids[len(pids)-1]) == "sleep"
	})
	return pids
}

// Stopped returns the processes of pids in state T.
func Stopped(pids []int) []int {
	return slices.DeleteFunc(slices.Clone(pids), func(pid int) bool { return proctest.State(pid) != "T" })
}

// Wakeups are the context switches of processes, by pid, from Quiet.
type Wakeups map[int]string

// Quiet waits until each of pids is asleep and its count of context
// switches has settled (a process just started is still being switched
// in and out), and returns the counts, for AssertUntouched.
func Quiet(t testing.TB, pids ...int) Wakeups {
	t.Helper()
	m := Wakeups{}
	spawn.WaitFor(t, "the processes to settle", func() bool {
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

// AssertUntouched checks that each process is still sleeping, with no
// signal pending, and has not been woken since the counts were read: not
// even a STOP and a CONT reached it.
func (w Wakeups) AssertUntouched(t testing.TB) {
	t.Helper()
	for pid, before := range w {
		if s := proctest.State(pid); s != "S" {
			t.Errorf("process %d (%s) is in state %q, want S: it was touched", pid, proctest.Comm(pid), s)
			continue
		}
		spawn.AssertNoPendingSignal(t, pid)
		if now := proctest.Wakeups(pid); now != before {
			t.Errorf("process %d (%s) was woken (context switches %s, then %s): something was sent to it", pid, proctest.Comm(pid), before, now)
		}
	}
}

// Result is terminate's result with tree.
type Result struct {
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

// Terminate calls terminate with tree on pid through c, TERM then KILL
// after 300 ms, and returns its result.
func Terminate(t testing.TB, c *testio.Conn, pid int) Result {
	t.Helper()
	line := c.Call(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"terminate","params":{"pid":%d,"tree":true,"timeout_ms":300,"escalate_timeout_ms":5000}}`, pid))
	var resp struct{ Result *Result }
	if err := json.Unmarshal([]byte(line), &resp); err != nil || resp.Result == nil {
		t.Fatalf("terminate with tree: %s", line)
	}
	return *resp.Result
}

// IgnoresTERM reports whether pid ignores TERM.
func IgnoresTERM(pid int) bool { return spawn.Has(pid, "SigIgn", unix.SIGTERM) }
