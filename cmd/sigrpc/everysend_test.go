//go:build linux

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// This file proves that the policy holds at every send, not only at the
// first: a target that the flags allow when it is first checked, and that
// then changes (another uid, out of the client's tree), is refused at the
// next send, through the same handle.

// changer is a process the test started that changes itself when it gets
// a signal: it becomes uid 12345, or leaves the test's process tree.
type changer struct {
	pid     int
	changed *bufio.Reader // says "changed" once the change is made
	cleanup func()
}

// changerScript is a Python program that, on the signal named by $ON,
// makes the change named by $CHANGE and says so on stdout. It ignores
// every other catchable signal it might be sent, so that only what the
// helper delivers decides whether it lives.
const changerScript = `
import os, signal, sys, time
def change(signum, frame):
    if os.environ["CHANGE"] == "uid":
        os.setresuid(12345, 12345, 12345)
    else:
        parent = os.getppid()
        os.kill(parent, signal.SIGKILL)  # the test's own shell: this leaves its tree
        while os.getppid() == parent:
            time.sleep(0.001)
    print("changed", flush=True)
signal.signal(getattr(signal, "SIG" + os.environ["ON"]), change)
print("ready", flush=True)
while True:
    time.sleep(3600)
`

// startChanger starts changerScript as a grandchild of the test (under a
// shell, so that killing the shell takes it out of the tree), waits until
// it is ready, and kills it when the test ends.
func startChanger(t *testing.T, on, change string) *changer {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("needs python3 for the target process")
	}
	if change == "uid" && os.Geteuid() != 0 {
		t.Skip("needs root: the target changes its uid")
	}
	sh := exec.Command("sh", "-c", `python3 -c "$0" & echo $!; wait`, changerScript)
	sh.Env = append(os.Environ(), "ON="+on, "CHANGE="+change)
	out, err := sh.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(out)
	var pid int
	if _, err := fmt.Fscanln(r, &pid); err != nil {
		t.Fatalf("reading the target's pid: %v", err)
	}
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		t.Fatalf("pidfd_open %d: %v", pid, err)
	}
	c := &changer{pid: pid, changed: r}
	c.cleanup = func() {
		unix.PidfdSendSignal(pidfd, unix.SIGKILL, nil, 0) // our own grandchild, through its pidfd
		unix.Close(pidfd)
		sh.Process.Kill()
		sh.Wait()
	}
	t.Cleanup(c.cleanup)
	if line, err := readLine(r, 10*time.Second); err != nil || line != "ready" {
		t.Fatalf("the target did not start: %q, %v", line, err)
	}
	return c
}

// readLine reads one line within d.
func readLine(r *bufio.Reader, d time.Duration) (string, error) {
	got := make(chan string, 1)
	fail := make(chan error, 1)
	go func() {
		line, err := r.ReadString('\n')
		if err != nil {
			fail <- err
			return
		}
		got <- strings.TrimSuffix(line, "\n")
	}()
	select {
	case line := <-got:
		return line, nil
	case err := <-fail:
		return "", err
	case <-time.After(d):
		return "", fmt.Errorf("nothing within %v", d)
	}
}

// waitChanged waits for the target to say it has changed.
func (c *changer) waitChanged(t *testing.T) {
	t.Helper()
	if line, err := readLine(c.changed, 10*time.Second); err != nil || line != "changed" {
		t.Fatalf("the target did not change: %q, %v", line, err)
	}
}

// assertAlive checks that the target is still running: the signal that
// would have ended it was not delivered.
func (c *changer) assertAlive(t *testing.T) {
	t.Helper()
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c.pid))
	if err != nil {
		t.Fatalf("the target %d is gone: %v", c.pid, err)
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	if fields[0] == "Z" || fields[0] == "X" {
		t.Fatalf("the target %d has exited", c.pid)
	}
	assertNoPendingSignal(t, c.pid)
}

// narrowing is a flag and the change that takes a target out of its scope.
var narrowing = []struct {
	name, change, reason string
	flags                []string
}{
	{"allow-uid", "uid", "uid", []string{"--allow-uid", "0"}},
	{"descendants-only", "tree", "not-descendant", []string{"--descendants-only"}},
}

// TestKillChecksEverySend: a first kill is allowed and makes the target
// change; the next kill, through the handle the helper kept, is refused,
// and so is terminate's first signal.
func TestKillChecksEverySend(t *testing.T) {
	for _, n := range narrowing {
		t.Run(n.name, func(t *testing.T) {
			t.Parallel()
			c := startChanger(t, "USR1", n.change)
			h := startHelper(t, n.flags...)
			if got := h.call(t, killRequest(c.pid, "USR1")); got != sent {
				t.Fatalf("the first kill, while allowed: %s", got)
			}
			c.waitChanged(t)
			if got := h.call(t, killRequest(c.pid, "KILL")); got != refusal(n.reason) {
				t.Fatalf("the kill after the change: %s, want a %s refusal", got, n.reason)
			}
			terminate := fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"terminate","params":{"pid":%d,"signal":"KILL","timeout_ms":0}}`, c.pid)
			if got := h.call(t, terminate); got != refusal(n.reason) {
				t.Fatalf("terminate's first signal after the change: %s, want a %s refusal", got, n.reason)
			}
			c.assertAlive(t)
		})
	}
}

// TestTerminateChecksItsEscalation: terminate's first signal is allowed
// and makes the target change; the escalation is checked at its own send,
// refused, and not sent; the result says so.
func TestTerminateChecksItsEscalation(t *testing.T) {
	for _, n := range narrowing {
		t.Run(n.name, func(t *testing.T) {
			t.Parallel()
			c := startChanger(t, "TERM", n.change)
			h := startHelper(t, n.flags...)
			h.send(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"terminate","params":{"pid":%d,"timeout_ms":1000}}`+"\n", c.pid))
			c.waitChanged(t) // the first signal was delivered
			var resp struct {
				Result *struct {
					Exited, Escalated bool
					Refused           string
				}
				Error json.RawMessage
			}
			line := h.next(t)
			if err := json.Unmarshal([]byte(line), &resp); err != nil || resp.Result == nil {
				t.Fatalf("terminate: %s", line)
			}
			if r := resp.Result; r.Escalated || r.Exited || r.Refused != n.reason {
				t.Fatalf("terminate = %s, want escalated false, exited false, refused %q", line, n.reason)
			}
			c.assertAlive(t)
		})
	}
}

// TestNarrowedHelperDescribesOnlyWhatItMaySignal: inspect and wait obey
// --allow-uid and --descendants-only, with the same refusals as kill.
func TestNarrowedHelperDescribesOnlyWhatItMaySignal(t *testing.T) {
	t.Run("allow-uid", func(t *testing.T) {
		t.Parallel()
		h := startHelper(t, "--allow-uid", "12345")
		c := startChild(t, false) // the test's uid, not 12345
		for _, req := range []string{
			fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"inspect","params":[%d]}`, c.pid()),
			fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"wait","params":[%d,0]}`, c.pid()),
		} {
			if os.Geteuid() == 12345 {
				t.Skip("the test runs as uid 12345")
			}
			if got := h.call(t, req); got != refusal("uid") {
				t.Fatalf("%s: %s, want a uid refusal", req, got)
			}
		}
	})
	t.Run("descendants-only", func(t *testing.T) {
		t.Parallel()
		h := startHelper(t, "--descendants-only")
		pid := startOrphan(t)
		for _, req := range []string{
			fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"inspect","params":[%d]}`, pid),
			fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"wait","params":[%d,0]}`, pid),
		} {
			if got := h.call(t, req); got != refusal("not-descendant") {
				t.Fatalf("%s: %s, want a not-descendant refusal", req, got)
			}
		}
		c := startChild(t, false) // the client's own child: described
		if got := h.call(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"inspect","params":[%d]}`, c.pid())); !strings.Contains(got, `"result":{"pid":`+strconv.Itoa(c.pid())) {
			t.Fatalf("inspect of the client's child: %s", got)
		}
	})
}

// threadTarget starts a process with more threads than its leader, and
// returns the process and the id of a thread that is not the leader.
func threadTarget(t *testing.T) (*child, int) {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("needs python3 for a process with threads")
	}
	cmd := exec.Command("python3", "-c", `
import threading, time
for _ in range(2):
    threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()
print("ready", flush=True)
time.sleep(3600)
`)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, done: make(chan struct{})}
	t.Cleanup(func() { cmd.Process.Kill(); c.reap(t) })
	if line, err := readLine(bufio.NewReader(out), 10*time.Second); err != nil || line != "ready" {
		t.Fatalf("the threaded target did not start: %q, %v", line, err)
	}
	return c, otherThread(t, c.pid())
}

// otherThread returns a thread of process pid that is not its leader.
func otherThread(t *testing.T, pid int) int {
	t.Helper()
	for _, tid := range threads(t, pid) {
		if tid != pid {
			return tid
		}
	}
	t.Fatalf("process %d has no thread but its leader", pid)
	return 0
}

// threads lists the thread ids of process pid.
func threads(t *testing.T, pid int) []int {
	t.Helper()
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		t.Fatal(err)
	}
	var tids []int
	for _, task := range tasks {
		tid, _ := strconv.Atoi(task.Name())
		tids = append(tids, tid)
	}
	return tids
}

const threadRefusal = `{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"No such process","data":{"errno":"ESRCH","errnum":3,"reason":"thread id, not a process"}}}`

// TestThreadIDsAreRefused: a thread id that is not its process's leader is
// not a process. kill(2) would signal the whole process; sigrpc refuses it
// (ESRCH, reason "thread id, not a process") for every method, and a
// thread of the helper itself as self. (Without pidfds: signal's
// TestThreadIDsAreRefusedWithAndWithoutPidfds.)
func TestThreadIDsAreRefused(t *testing.T) {
	t.Run("another process's thread", func(t *testing.T) {
		h := startHelper(t)
		c, tid := threadTarget(t)
		for _, req := range []string{
			killRequest(tid, "TERM"),
			fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"terminate","params":[%d]}`, tid),
			fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"inspect","params":[%d]}`, tid),
			fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"wait","params":[%d,0]}`, tid),
		} {
			if got := h.call(t, req); got != threadRefusal {
				t.Fatalf("%s: %s, want %s", req, got, threadRefusal)
			}
		}
		c.assertUntouched(t)
	})
	t.Run("the helper's own threads", func(t *testing.T) {
		h := startHelper(t)
		pid := h.cmd.Process.Pid
		h.call(t, `{"jsonrpc":"2.0","id":1,"method":"signum","params":["TERM"]}`) // running, threads started
		for _, tid := range threads(t, pid) {
			if tid == pid {
				continue
			}
			// URG is harmless to a Go program, should the refusal fail.
			if got := h.call(t, killRequest(tid, "URG")); got != refusal("self") {
				t.Fatalf("kill of the helper's thread %d: %s, want a self refusal", tid, got)
			}
			if got := h.call(t, killRequest(tid, "NONE")); got != threadRefusal {
				t.Fatalf("kill NONE of the helper's thread %d: %s", tid, got)
			}
		}
	})
}
