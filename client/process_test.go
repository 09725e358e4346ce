//go:build linux

package client

// The methods on live processes, all children of this test (or their
// children, in a process group of their own), and the errors on
// absentPID. inspect, children and terminate's tree are Linux's.

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestKillInspectChildren(t *testing.T) {
	t.Parallel()
	c := newClient(t, nil)
	ctx := testCtx(t)
	sleeper := startChild(t, "sleep", "60")
	pid := sleeper.Process.Pid

	if err := c.Kill(ctx, pid, 0); err != nil {
		t.Fatal(err)
	}
	info, err := c.Inspect(ctx, pid)
	if err != nil {
		t.Fatal(err)
	}
	if _, digits := strconv.ParseUint(info.StartTime, 10, 64); info.Pid != pid || info.PPid != os.Getpid() || info.Comm != "sleep" ||
		info.Uid != os.Getuid() || !strings.Contains("RS", info.State) || digits != nil {
		t.Errorf("Inspect: %+v", info)
	}
	kids, err := c.Children(ctx, os.Getpid())
	if err != nil || !slices.ContainsFunc(kids, func(k ChildInfo) bool {
		return k.Pid == pid && k.PPid == os.Getpid() && k.Comm == "sleep" && k.StartTime == info.StartTime
	}) {
		t.Errorf("Children of this process: %+v, %v; want the sleeper among them", kids, err)
	}

	if err := c.KillName(ctx, pid, "sigterm"); err != nil {
		t.Fatal(err)
	}
	if err := sleeper.Wait(); err == nil || err.Error() != "signal: terminated" {
		t.Errorf("the sleeper ended with %v", err)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	c := newClient(t, nil)
	ctx := testCtx(t)
	for _, tc := range []struct {
		err  error
		is   []error
		text string
	}{
		{c.Kill(ctx, absentPID, 0), []error{syscall.ESRCH}, "sigrpc kill: no such process"},
		{c.Kill(ctx, absentPID, 999), []error{syscall.EINVAL}, "sigrpc kill: invalid argument"},
		{c.KillName(ctx, absentPID, "NOPE"), []error{ErrUnknownSignal}, `sigrpc kill: unknown signal name "NOPE"`},
		{c.Kill(ctx, -1, 0), nil, "sigrpc kill: refused by policy: broadcast"},
		{c.Kill(ctx, 1<<31, 0), nil, `sigrpc kill: invalid params: "pid" is out of range (it must fit in 32 bits)`},
		{c.Call(ctx, "reap", nil, nil), nil, "sigrpc reap: Method not found (JSON-RPC error -32601)"},
		{c.Call(ctx, "signum", "TERM", nil), nil, `sigrpc signum: params must be a JSON object or array, not "TERM"`},
		{c.Call(ctx, "signals", map[string]any(nil), nil), nil, ""},
		{second(c.Inspect(ctx, absentPID)), []error{syscall.ESRCH}, "sigrpc inspect: no such process"},
		{second(c.Process(ctx, absentPID)), []error{syscall.ESRCH}, "sigrpc inspect: no such process"},
	} {
		if (tc.err == nil) != (tc.text == "") || tc.err != nil && tc.err.Error() != tc.text {
			t.Errorf("got %v, want %q", tc.err, tc.text)
		}
		for _, target := range tc.is {
			if !errors.Is(tc.err, target) {
				t.Errorf("%v does not match %v", tc.err, target)
			}
		}
		if errors.Is(tc.err, os.ErrProcessDone) {
			t.Errorf("%v matches os.ErrProcessDone, which only Process methods do", tc.err)
		}
	}
	var refused *RefusedError
	if err := c.Kill(ctx, -1, 0); !errors.As(err, &refused) || refused.Reason != "broadcast" || refused.Method != "kill" {
		t.Errorf("Kill(-1): %#v", err)
	}
}

func second[T any](_ T, err error) error { return err }

func TestProcess(t *testing.T) {
	t.Parallel()
	c := newClient(t, nil)
	ctx := testCtx(t)
	sleeper := startChild(t, "sleep", "60")
	p, err := c.Process(ctx, sleeper.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	info, _ := c.Inspect(ctx, p.Pid())
	if p.Pid() != sleeper.Process.Pid || p.StartTime() != info.StartTime {
		t.Errorf("Process: %d %q, inspect says %+v", p.Pid(), p.StartTime(), info)
	}
	if exited, err := p.Wait(ctx, 0); exited || err != nil {
		t.Errorf("Wait(0) on a running process: %v, %v", exited, err)
	}
	if err := p.Signal(ctx, mySignal{}); err == nil {
		t.Error("Signal with a signal type that is not a syscall.Signal")
	}
	if err := p.Signal(ctx, os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if exited, err := p.Wait(ctx, -1); !exited || err != nil {
		t.Errorf("Wait after SIGINT: %v, %v", exited, err)
	}
	if err := sleeper.Wait(); err == nil || err.Error() != "signal: interrupt" {
		t.Errorf("the sleeper ended with %v", err)
	}
	// Reaped: its pid names nothing now (or another process, which the
	// handle never signals).
	err = p.Kill(ctx)
	if !errors.Is(err, os.ErrProcessDone) || !errors.Is(err, syscall.ESRCH) {
		t.Errorf("Kill after the process was reaped: %v", err)
	}
	if exited, err := p.Wait(ctx, -1); !exited || err != nil {
		t.Errorf("Wait after the process was reaped: %v, %v", exited, err)
	}
}

type mySignal struct{}

func (mySignal) String() string { return "mine" }
func (mySignal) Signal()        {}

// TestProcessIsPinned: a handle whose start time is not the process's
// signals nothing.
func TestProcessIsPinned(t *testing.T) {
	t.Parallel()
	rec := newRecorder()
	c := newClient(t, nil, rec.opt())
	ctx := testCtx(t)
	sleeper := startChild(t, "sleep", "60")
	p := &Process{c: c, pid: sleeper.Process.Pid, startTime: "1"} // another process's identity
	rec.take()

	err := p.Kill(ctx)
	var osErr *OSError
	if !errors.As(err, &osErr) || osErr.Reason != "start_time mismatch" || !errors.Is(err, os.ErrProcessDone) || !errors.Is(err, syscall.ESRCH) {
		t.Errorf("Kill: %v", err)
	}
	if _, err := p.Terminate(ctx, TerminateOptions{}); !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("Terminate: %v", err)
	}
	if exited, err := p.Wait(ctx, -1); !exited || err != nil {
		t.Errorf("Wait: %v, %v; want true at once", exited, err)
	}
	for _, r := range rec.take() {
		if r.Method != "inspect" && !strings.Contains(string(r.Params), `"start_time":"1"`) {
			t.Errorf("sent without the start time: %s %s", r.Method, r.Params)
		}
	}
	if !alive(sleeper) {
		t.Error("the sleeper was signalled")
	}
	// An empty start time is sent too, and refused: never an unguarded send.
	p.startTime = ""
	if err := p.Kill(ctx); !strings.Contains(fmt.Sprint(err), `"start_time" must be a start time`) {
		t.Errorf("Kill with an empty start time: %v", err)
	}
	if !alive(sleeper) {
		t.Error("the sleeper was signalled")
	}
}

func TestTerminate(t *testing.T) {
	t.Parallel()
	c := newClient(t, nil)
	ctx := testCtx(t)

	sleeper := startChild(t, "sleep", "60")
	r, err := c.Terminate(ctx, sleeper.Process.Pid, TerminateOptions{})
	if err != nil || !r.Exited || r.Escalated || r.Refused != "" || r.Members != nil || r.Method != "" {
		t.Errorf("Terminate of a sleeper: %+v, %v", r, err)
	}
	sleeper.Wait()

	stubborn := startReady(t, `trap "" TERM; echo; exec sleep 60`)
	p, err := c.Process(ctx, stubborn.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	r, err = p.Terminate(ctx, TerminateOptions{Timeout: 100 * time.Millisecond})
	if err != nil || !r.Exited || !r.Escalated || r.Elapsed < 100*time.Millisecond || r.Elapsed > 5*time.Second {
		t.Errorf("Terminate of a process ignoring TERM: %+v, %v", r, err)
	}
	if err := stubborn.Wait(); err == nil || err.Error() != "signal: killed" {
		t.Errorf("it ended with %v", err)
	}
}

func TestTerminateTree(t *testing.T) {
	t.Parallel()
	c := newClient(t, nil)
	ctx := testCtx(t)
	// A shell ignoring TERM, with two children of its own, in a process
	// group of its own: if the test fails, the group is killed before the
	// shell is reaped (so the group id still names only this tree).
	shell := exec.Command("sh", "-c", `trap "" TERM; sleep 60 & sleep 60 & echo ready; wait`)
	shell.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := shell.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := shell.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if shell.ProcessState == nil {
			syscall.Kill(-shell.Process.Pid, syscall.SIGKILL)
			shell.Wait()
		}
	})
	if _, err := out.Read(make([]byte, 6)); err != nil {
		t.Fatal(err)
	}
	pid := shell.Process.Pid
	kids, err := c.Children(ctx, pid)
	if err != nil || len(kids) != 2 || kids[0].PPid != pid || kids[1].PPid != pid {
		t.Fatalf("Children of the shell: %+v, %v", kids, err)
	}
	if all, err := c.Descendants(ctx, pid); err != nil || len(all) != 2 {
		t.Errorf("Descendants of the shell: %+v, %v", all, err)
	}

	p, err := c.Process(ctx, pid)
	if err != nil {
		t.Fatal(err)
	}
	r, err := p.Terminate(ctx, TerminateOptions{Timeout: 200 * time.Millisecond, Tree: true})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Exited || !r.Escalated || len(r.Members) != 3 || r.Members[0].Pid != pid || r.Members[0].StartTime != p.StartTime() ||
		(r.Method != TreeForkEvents && r.Method != TreeListing) || (r.Complete && r.Method == TreeListing) {
		t.Errorf("Terminate with Tree: %+v", r)
	}
	for _, m := range r.Members {
		if !m.Exited || m.Refused != "" {
			t.Errorf("member %+v", m)
		}
	}
	if err := shell.Wait(); err == nil || err.Error() != "signal: killed" {
		t.Errorf("the shell ended with %v", err)
	}
}

// TestEPERM runs the helper as nobody, which may not signal this test's
// child (the null signal, which the kernel refuses).
func TestEPERM(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root, to run the helper as another user")
	}
	sleeper := startChild(t, "sleep", "60")
	c, err := start(testCtx(t), Options{Command: []string{helperBin}}, func(cmd *exec.Cmd) {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	})
	if err != nil {
		t.Skipf("the helper does not start as nobody (%s may not be readable to it): %v", helperBin, err)
	}
	defer c.Close()
	err = c.Kill(testCtx(t), sleeper.Process.Pid, 0)
	if !errors.Is(err, syscall.EPERM) || !errors.Is(err, os.ErrPermission) || err.Error() != "sigrpc kill: operation not permitted" {
		t.Errorf("Kill as nobody: %v", err)
	}
}

func TestConcurrentCalls(t *testing.T) {
	t.Parallel()
	c := newClient(t, nil)
	ctx := testCtx(t)
	signals, err := c.Signals(ctx)
	if err != nil || signals["KILL"] != 9 {
		t.Fatalf("Signals: %v, %v", signals, err)
	}
	var wg sync.WaitGroup
	for range 4 {
		for name, want := range signals {
			wg.Go(func() {
				if n, ok, err := c.Signum(ctx, "sig"+strings.ToLower(name)); n != want || !ok || err != nil {
					t.Errorf("Signum(%s): %v %v %v", name, n, ok, err)
				}
				if s, ok, err := c.Signame(ctx, want); s != name || !ok || err != nil {
					t.Errorf("Signame(%d): %v %v %v", want, s, ok, err)
				}
			})
		}
	}
	wg.Wait()
}
