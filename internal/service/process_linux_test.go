package service

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sigrpc/sigrpc/internal/spawn"
	"github.com/sigrpc/sigrpc/internal/testio"
	"github.com/sigrpc/sigrpc/rpc"
	"github.com/sigrpc/sigrpc/sigctl"
)

// These tests drive the method table in process, over OS pipes, with a
// real Controller, against processes the tests start (internal/spawn):
// what the methods do to real processes. The binary's own tests
// (cmd/sigrpc) keep what only the binary shows: its flags, exit codes,
// lifecycle and stdio. The test process stands where the helper would:
// the policy protects it as Self, and, for DescendantsOf, it is the
// client.

// session is an in-process server on pipes, ended when the test ends.
type session struct {
	*testio.Conn
}

// startSession serves the method table with a Controller for policy, as
// the helper does, with Self and SelfGroup set to the test process's.
func startSession(t *testing.T, policy sigctl.Policy) *session {
	t.Helper()
	policy.Self, policy.SelfGroup = os.Getpid(), syscall.Getpgrp()
	controller := sigctl.NewController(policy)
	srv := rpc.NewServer(Methods(controller), rpc.Options{Framing: rpc.FramingNDJSON, Busy: Busy(), BatchFull: BatchFull()})
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() {
		served <- srv.Serve(context.Background(), inR, outW)
		outW.Close()
	}()
	t.Cleanup(func() {
		inW.Close() // the end of input: Serve finishes what it has
		select {
		case err := <-served:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Serve did not return within 10 s of the end of input")
		}
		controller.Close()
		inR.Close()
		outR.Close()
	})
	return &session{testio.NewConn(inW, outR)}
}

// client returns a handle on the test process, for DescendantsOf.
func client(t *testing.T) *sigctl.Process {
	t.Helper()
	p, err := sigctl.Open(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func killRequest(pid int, sig string) string {
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"kill","params":[%d,%q]}`, pid, sig)
}

func request(method string, params any) string {
	b, _ := json.Marshal(params)
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":%q,"params":%s}`, method, b)
}

func refusal(reason string) string {
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"error":{"code":-32001,"message":"refused by policy: %s","data":{"reason":%q}}}`, reason, reason)
}

const (
	sent         = `{"jsonrpc":"2.0","id":1,"result":true}`
	esrch        = `{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"No such process","data":{"errno":"ESRCH","errnum":3}}}`
	threadRefuse = `{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"No such process","data":{"errno":"ESRCH","errnum":3,"reason":"thread id, not a process"}}}`
)

// TestKillSignalsAChild: NONE reaches nothing; a signal ends the child;
// once the child is reaped its pid is ESRCH.
func TestKillSignalsAChild(t *testing.T) {
	s := startSession(t, sigctl.Policy{})
	c := spawn.Sleep(t, false)
	if got := s.Call(t, `{"jsonrpc":"2.0","id":1,"method":"kill","params":{"pid":`+strconv.Itoa(c.Pid)+`,"signal":"NONE"}}`); got != sent {
		t.Fatalf("NONE: %s", got)
	}
	c.AssertUntouched(t)
	if got := s.Call(t, killRequest(c.Pid, "SIGUSR1")); got != sent {
		t.Fatalf("USR1: %s", got)
	}
	if sig := c.TerminatedBy(t); sig != syscall.SIGUSR1 {
		t.Fatalf("child ended by %v, want SIGUSR1", sig)
	}
	if got := s.Call(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"kill","params":[%d,0]}`, c.Pid)); got != esrch {
		t.Fatalf("after reaping: %s, want %s", got, esrch)
	}
}

// inspect returns inspect's result for pid.
func inspect(t *testing.T, s *session, pid int) map[string]any {
	t.Helper()
	resp := s.Call(t, request("inspect", []int{pid}))
	var r struct{ Result map[string]any }
	if err := json.Unmarshal([]byte(resp), &r); err != nil || r.Result == nil {
		t.Fatalf("inspect: %s", resp)
	}
	return r.Result
}

func TestInspectDescribesAChild(t *testing.T) {
	s := startSession(t, sigctl.Policy{})
	c := spawn.Sleep(t, true)
	info := inspect(t, s, c.Pid)
	pid := float64(c.Pid)
	if info["pid"] != pid || info["ppid"] != float64(os.Getpid()) || info["pgid"] != pid || info["sid"] != pid ||
		info["uid"] != float64(os.Getuid()) || info["comm"] != "sleep" || info["state"] != "S" || info["start_time"] == "" {
		t.Fatalf("inspect = %v", info)
	}
	if got := s.Call(t, request("inspect", []int{2147483647})); got != esrch {
		t.Fatalf("inspect of an absent pid: %s", got)
	}
}

func TestKillWithStartTime(t *testing.T) {
	s := startSession(t, sigctl.Policy{})
	c := spawn.Sleep(t, false)
	start := inspect(t, s, c.Pid)["start_time"].(string)
	got := s.Call(t, request("kill", map[string]any{"pid": c.Pid, "signal": "TERM", "start_time": "1" + start}))
	if want := `{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"No such process","data":{"errno":"ESRCH","errnum":3,"reason":"start_time mismatch"}}}`; got != want {
		t.Fatalf("mismatch: %s, want %s", got, want)
	}
	c.AssertUntouched(t)
	if got := s.Call(t, request("kill", map[string]any{"pid": c.Pid, "signal": "TERM", "start_time": start})); got != sent {
		t.Fatalf("match: %s", got)
	}
	if sig := c.TerminatedBy(t); sig != syscall.SIGTERM {
		t.Fatalf("ended by %v", sig)
	}
}

// terminateResult is terminate's result on one process.
type terminateResult struct {
	Exited, Escalated bool
	ElapsedMS         int64 `json:"elapsed_ms"`
	Refused           string
}

// terminate calls terminate with params and returns its result.
func terminate(t *testing.T, c *testio.Conn, params string) terminateResult {
	t.Helper()
	resp := c.Call(t, `{"jsonrpc":"2.0","id":1,"method":"terminate","params":`+params+`}`)
	var r struct{ Result *terminateResult }
	if err := json.Unmarshal([]byte(resp), &r); err != nil || r.Result == nil {
		t.Fatalf("terminate(%s): %s", params, resp)
	}
	return *r.Result
}

// TestTerminateOneProcess: a child that exits on TERM is reported exited
// (a zombie counts), one that ignores TERM is escalated to and ends by
// KILL, and with escalate null a signal that ends nothing is reported so.
func TestTerminateOneProcess(t *testing.T) {
	s := startSession(t, sigctl.Policy{})
	for _, tc := range []struct {
		name, script, params string
		exited, escalated    bool
		minMS                int64
		endedBy              syscall.Signal // 0: untouched
	}{
		{"exits on TERM", "exec sleep 1000", `{"pid":%d,"timeout_ms":5000}`, true, false, 0, syscall.SIGTERM},
		{"ignores TERM", `trap "" TERM; exec sleep 1000`, `[%d,"TERM",100,"KILL",5000]`, true, true, 100, syscall.SIGKILL},
		{"without escalation", "exec sleep 1000", `{"pid":%d,"signal":"CONT","timeout_ms":20,"escalate":null}`, false, false, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := spawn.Script(t, nil, tc.script)
			res := terminate(t, s.Conn, fmt.Sprintf(tc.params, c.Pid))
			if res.Exited != tc.exited || res.Escalated != tc.escalated || res.ElapsedMS < tc.minMS {
				t.Fatalf("terminate = %+v; want exited %v, escalated %v, at least %d ms in", res, tc.exited, tc.escalated, tc.minMS)
			}
			if tc.endedBy == 0 {
				c.AssertUntouched(t)
			} else if sig := c.TerminatedBy(t); sig != tc.endedBy {
				t.Fatalf("ended by %v, want %v", sig, tc.endedBy)
			}
		})
	}
}

// threads lists the thread ids of process pid but its leader.
func threads(t *testing.T, pid int) []int {
	t.Helper()
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		t.Fatal(err)
	}
	var tids []int
	for _, task := range tasks {
		if tid, _ := strconv.Atoi(task.Name()); tid != pid {
			tids = append(tids, tid)
		}
	}
	return tids
}

// TestThreadIDsAreRefused: a thread id that is not its process's leader
// is not a process. kill(2) would signal the whole process; every method
// refuses it (ESRCH, reason "thread id, not a process"), and a thread of
// the server's own process as self for any signal but NONE.
func TestThreadIDsAreRefused(t *testing.T) {
	s := startSession(t, sigctl.Policy{})
	t.Run("another process's thread", func(t *testing.T) {
		if _, err := exec.LookPath("python3"); err != nil {
			t.Skip("needs python3 for a process with threads")
		}
		c := spawn.Start(t, spawn.Options{Kill: true}, "python3", "-c", `
import threading, time
for _ in range(2):
    threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()
print("ready", flush=True)
time.sleep(3600)
`)
		if line := c.Next(t); line != "ready" {
			t.Fatalf("the threaded target did not start: %q", line)
		}
		tid := threads(t, c.Pid)[0]
		for _, req := range []string{
			killRequest(tid, "TERM"),
			request("terminate", []int{tid}),
			request("inspect", []int{tid}),
			request("wait", []int{tid, 0}),
		} {
			if got := s.Call(t, req); got != threadRefuse {
				t.Fatalf("%s: %s, want %s", req, got, threadRefuse)
			}
		}
		c.AssertUntouched(t)
	})
	t.Run("the server's own threads", func(t *testing.T) {
		// Two goroutines locked to their threads keep two threads alive,
		// at most one of them the leader: a tid that stays this process's.
		tids, release := make(chan int, 2), make(chan struct{})
		defer close(release)
		for range 2 {
			go func() {
				runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
				tids <- unix.Gettid()
				<-release
			}()
		}
		tid := <-tids
		if tid == os.Getpid() {
			tid = <-tids
		}
		// URG is harmless to a Go program, should the refusal fail.
		if got := s.Call(t, killRequest(tid, "URG")); got != refusal("self") {
			t.Fatalf("kill of the server's thread %d: %s, want a self refusal", tid, got)
		}
		if got := s.Call(t, killRequest(tid, "NONE")); got != threadRefuse {
			t.Fatalf("kill NONE of the server's thread %d: %s, want %s", tid, got, threadRefuse)
		}
	})
}

// TestNarrowedPolicyDescribesOnlyWhatItMaySignal: under AllowUIDs or
// DescendantsOf, inspect, wait and terminate refuse what kill would, and
// signal nothing.
func TestNarrowedPolicyDescribesOnlyWhatItMaySignal(t *testing.T) {
	t.Run("allow-uid", func(t *testing.T) {
		if os.Geteuid() == 12345 {
			t.Skip("the test runs as uid 12345")
		}
		s := startSession(t, sigctl.Policy{AllowUIDs: []int{12345}})
		c := spawn.Sleep(t, false) // the test's uid, not 12345
		for _, req := range []string{
			request("inspect", []int{c.Pid}),
			request("wait", []int{c.Pid, 0}),
			request("terminate", []int{c.Pid}),
			killRequest(c.Pid, "TERM"),
		} {
			if got := s.Call(t, req); got != refusal("uid") {
				t.Fatalf("%s: %s, want a uid refusal", req, got)
			}
		}
		c.AssertUntouched(t)
	})
	t.Run("descendants-only", func(t *testing.T) {
		s := startSession(t, sigctl.Policy{DescendantsOf: client(t)})
		orphan := spawn.Orphan(t, "exec sleep 1000", 1)[0]
		for _, req := range []string{
			request("inspect", []int{orphan}),
			request("wait", []int{orphan, 0}),
			request("terminate", []int{orphan}),
			killRequest(orphan, "TERM"),
		} {
			if got := s.Call(t, req); got != refusal("not-descendant") {
				t.Fatalf("%s: %s, want a not-descendant refusal", req, got)
			}
		}
		spawn.AssertAlive(t, orphan)
		group := spawn.Sleep(t, true)
		if got := s.Call(t, killRequest(-group.Pid, "TERM")); got != refusal("process-group") {
			t.Fatalf("kill of a group: %s, want a process-group refusal", got)
		}
		group.AssertUntouched(t)
		child := spawn.Sleep(t, false)
		if got := inspect(t, s, child.Pid); got["pid"] != float64(child.Pid) {
			t.Fatalf("inspect of the client's child: %v", got)
		}
		// A grandchild: the sleep of a shell the test started.
		sh := spawn.Start(t, spawn.Options{Kill: true}, "sh", "-c", `sleep 1000 & echo $!; wait $!`)
		grandchild, err := strconv.Atoi(sh.Next(t))
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Call(t, killRequest(grandchild, "TERM")); got != sent {
			t.Fatalf("kill of the client's grandchild: %s", got)
		}
		// The shell's wait returns once the grandchild is gone.
		if ws := sh.Wait(t).Sys().(syscall.WaitStatus); ws.Signaled() || ws.ExitStatus() != 128+int(syscall.SIGTERM) {
			t.Fatalf("the shell saw its child end with status %d, want %d", ws.ExitStatus(), 128+int(syscall.SIGTERM))
		}
	})
}

// changer is a process the test started that changes itself when it gets
// a signal: it becomes uid 12345, or leaves the test's process tree.
type changer struct {
	pid int
	sh  *spawn.Proc // its parent, whose stdout it shares
}

// changerScript is a Python program that, on the signal named by $ON,
// makes the change named by $CHANGE and says so on stdout. It ignores
// every other catchable signal it might be sent, so that only what the
// server delivers decides whether it lives.
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
// it is ready, and kills it through a pidfd when the test ends.
func startChanger(t *testing.T, on, change string) *changer {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("needs python3 for the target process")
	}
	if change == "uid" && os.Geteuid() != 0 {
		t.Skip("needs root: the target changes its uid")
	}
	sh := spawn.Start(t, spawn.Options{Env: []string{"ON=" + on, "CHANGE=" + change}, Kill: true}, "sh", "-c", `python3 -c "$0" & echo $!; wait`, changerScript)
	pid, err := strconv.Atoi(sh.Next(t))
	if err != nil {
		t.Fatalf("reading the target's pid: %v", err)
	}
	pidfd, err := unix.PidfdOpen(pid, 0) // our own grandchild, held from now on
	if err != nil {
		t.Fatalf("pidfd_open %d: %v", pid, err)
	}
	t.Cleanup(func() {
		unix.PidfdSendSignal(pidfd, unix.SIGKILL, nil, 0)
		unix.Close(pidfd)
	})
	if line := sh.Next(t); line != "ready" {
		t.Fatalf("the target did not start: %q", line)
	}
	return &changer{pid: pid, sh: sh}
}

// waitChanged waits for the target to say it has changed.
func (c *changer) waitChanged(t *testing.T) {
	t.Helper()
	if line := c.sh.Next(t); line != "changed" {
		t.Fatalf("the target did not change: %q", line)
	}
}

// narrowing is a policy and the change that takes a target out of it.
var narrowing = []struct {
	name, change, reason string
	policy               func(t *testing.T) sigctl.Policy
}{
	{"allow-uid", "uid", "uid", func(*testing.T) sigctl.Policy { return sigctl.Policy{AllowUIDs: []int{0}} }},
	{"descendants-only", "tree", "not-descendant", func(t *testing.T) sigctl.Policy { return sigctl.Policy{DescendantsOf: client(t)} }},
}

// eachNarrowing runs f in a parallel subtest for each narrowing, with a
// changer that changes on the signal named on, and a session under the
// narrowing's policy.
func eachNarrowing(t *testing.T, on string, f func(t *testing.T, reason string, c *changer, s *session)) {
	for _, n := range narrowing {
		t.Run(n.name, func(t *testing.T) {
			t.Parallel()
			c := startChanger(t, on, n.change)
			f(t, n.reason, c, startSession(t, n.policy(t)))
			spawn.AssertAlive(t, c.pid)
		})
	}
}

// TestKillChecksEverySend: the policy holds at every send, not only the
// first. A first kill is allowed and makes the target change; the next
// kill, through the handle the Controller kept, is refused, and so is
// terminate's first signal.
func TestKillChecksEverySend(t *testing.T) {
	eachNarrowing(t, "USR1", func(t *testing.T, reason string, c *changer, s *session) {
		if got := s.Call(t, killRequest(c.pid, "USR1")); got != sent {
			t.Fatalf("the first kill, while allowed: %s", got)
		}
		c.waitChanged(t)
		if got := s.Call(t, killRequest(c.pid, "KILL")); got != refusal(reason) {
			t.Fatalf("the kill after the change: %s, want a %s refusal", got, reason)
		}
		if got := s.Call(t, request("terminate", map[string]any{"pid": c.pid, "signal": "KILL", "timeout_ms": 0})); got != refusal(reason) {
			t.Fatalf("terminate's first signal after the change: %s, want a %s refusal", got, reason)
		}
	})
}

// TestTerminateChecksItsEscalation: terminate's first signal is allowed
// and makes the target change; the escalation is checked at its own send,
// refused, and not sent; the result says so. The target must change
// before the escalation, which comes timeout_ms after the first signal:
// with 1 s, a loaded machine once let the escalation find the target
// still unchanged, and KILL it (the test then saw the target's output
// end), so the test gives it 5 s and takes as long.
func TestTerminateChecksItsEscalation(t *testing.T) {
	eachNarrowing(t, "TERM", func(t *testing.T, reason string, c *changer, s *session) {
		s.Send(t, request("terminate", map[string]any{"pid": c.pid, "timeout_ms": 5000})+"\n")
		c.waitChanged(t) // the first signal was delivered
		line := s.Next(t)
		var resp struct{ Result *terminateResult }
		if err := json.Unmarshal([]byte(line), &resp); err != nil || resp.Result == nil {
			t.Fatalf("terminate: %s", line)
		}
		if r := resp.Result; r.Escalated || r.Exited || r.Refused != reason {
			t.Fatalf("terminate = %s, want escalated false, exited false, refused %q", line, reason)
		}
	})
}

// blockingController's wait, terminate and children block until release
// is closed.
type blockingController struct {
	fakeController
	release chan struct{}
}

func (c blockingController) Wait(context.Context, int, time.Duration) (bool, error) {
	<-c.release
	return true, nil
}

func (c blockingController) Terminate(context.Context, sigctl.Target, sigctl.TerminateOptions) (sigctl.Termination, error) {
	<-c.release
	return sigctl.Termination{Exited: true}, nil
}

func (c blockingController) Children(int, bool) ([]sigctl.Child, error) {
	<-c.release
	return nil, nil
}

// TestBlockingCallsDoNotHoldUpTheSession: wait, terminate and children
// (which a deep tree under --descendants-only makes slow) run beside the
// reader: a request sent after one is answered first.
func TestBlockingCallsDoNotHoldUpTheSession(t *testing.T) {
	for _, method := range []string{"wait", "terminate", "children"} {
		t.Run(method, func(t *testing.T) {
			c := blockingController{release: make(chan struct{})}
			srv := rpc.NewServer(Methods(c), rpc.Options{Framing: rpc.FramingNDJSON})
			in := testio.NewStallingReader(request(method, []int{10}) + "\n" + `{"jsonrpc":"2.0","id":2,"method":"signum","params":["TERM"]}` + "\n")
			out := &testio.SyncBuffer{}
			served := make(chan error, 1)
			go func() { served <- srv.Serve(context.Background(), in, out) }()
			first := `{"jsonrpc":"2.0","id":2,"result":15}` + "\n"
			if got := out.WaitFor(len(first), 10*time.Second); got != first {
				t.Fatalf("with %s pending: %q, want signum's answer", method, got)
			}
			close(c.release)
			in.End()
			if err := <-served; err != nil {
				t.Fatal(err)
			}
			if got := out.String(); !strings.HasPrefix(got, first+`{"jsonrpc":"2.0","id":1,"result":`) {
				t.Fatalf("%s's answer: %q", method, got)
			}
		})
	}
}

// TestSignalsMatchesSignum: every name signals lists has its number from
// signum, and signame maps each number back to a name with that number.
func TestSignalsMatchesSignum(t *testing.T) {
	srv := rpc.NewServer(Methods(fakeController{}), rpc.Options{Framing: rpc.FramingNDJSON})
	serve := func(in string) []string {
		var out strings.Builder
		if err := srv.Serve(context.Background(), strings.NewReader(in), &out); err != nil {
			t.Fatal(err)
		}
		return strings.Split(strings.TrimSpace(out.String()), "\n")
	}
	var all struct{ Result map[string]int }
	if line := serve(`{"jsonrpc":"2.0","id":1,"method":"signals"}` + "\n")[0]; json.Unmarshal([]byte(line), &all) != nil || len(all.Result) < 30 {
		t.Fatalf("signals: %s", line)
	}
	var in strings.Builder
	for name, n := range all.Result {
		fmt.Fprintf(&in, `{"jsonrpc":"2.0","id":%q,"method":"signum","params":[%q]}`+"\n", name, name)
		fmt.Fprintf(&in, `{"jsonrpc":"2.0","id":"n%d","method":"signame","params":[%d]}`+"\n", n, n)
	}
	for _, line := range serve(in.String()) {
		var r struct {
			ID     string
			Result any
		}
		json.Unmarshal([]byte(line), &r)
		if num, ok := strings.CutPrefix(r.ID, "n"); ok {
			name, _ := r.Result.(string)
			if strconv.Itoa(all.Result[name]) != num {
				t.Errorf("signame(%s) = %v, which signals() does not map back", num, r.Result)
			}
		} else if n, _ := r.Result.(float64); int(n) != all.Result[r.ID] {
			t.Errorf("signum(%s) = %v, signals() says %d", r.ID, r.Result, all.Result[r.ID])
		}
	}
}
