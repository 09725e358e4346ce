//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// inspectChild returns inspect's answer for pid.
func inspectChild(t *testing.T, h *helperProc, pid int) map[string]any {
	t.Helper()
	resp := h.call(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"inspect","params":[%d]}`, pid))
	var r struct{ Result map[string]any }
	if err := json.Unmarshal([]byte(resp), &r); err != nil || r.Result == nil {
		t.Fatalf("inspect: %s", resp)
	}
	return r.Result
}

func TestInspectDescribesAChild(t *testing.T) {
	h := startHelper(t)
	c := startChild(t, true)
	info := inspectChild(t, h, c.pid())
	pid := float64(c.pid())
	if info["pid"] != pid || info["ppid"] != float64(os.Getpid()) || info["pgid"] != pid || info["sid"] != pid ||
		info["uid"] != float64(os.Getuid()) || info["comm"] != "sleep" || info["state"] != "S" || info["start_time"] == "" {
		t.Fatalf("inspect = %v", info)
	}
	got := h.call(t, `{"jsonrpc":"2.0","id":2,"method":"inspect","params":[2147483647]}`)
	if !strings.Contains(got, `"errno":"ESRCH"`) {
		t.Fatalf("inspect of an absent pid: %s", got)
	}
}

func TestKillWithStartTime(t *testing.T) {
	h := startHelper(t)
	c := startChild(t, false)
	start := inspectChild(t, h, c.pid())["start_time"].(string)
	got := h.call(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"kill","params":{"pid":%d,"signal":"TERM","start_time":"1%s"}}`, c.pid(), start))
	if want := `{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"No such process","data":{"errno":"ESRCH","errnum":3,"reason":"start_time mismatch"}}}`; got != want {
		t.Fatalf("mismatch: %s, want %s", got, want)
	}
	c.assertUntouched(t)
	got = h.call(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":2,"method":"kill","params":{"pid":%d,"signal":"TERM","start_time":%q}}`, c.pid(), start))
	if got != `{"jsonrpc":"2.0","id":2,"result":true}` {
		t.Fatalf("match: %s", got)
	}
	if sig := c.terminatedBy(t); sig != syscall.SIGTERM {
		t.Fatalf("ended by %v", sig)
	}
}

// terminateResult is terminate's answer.
type terminateResult struct {
	Exited, Escalated bool
	ElapsedMS         int64 `json:"elapsed_ms"`
}

func terminate(t *testing.T, h *helperProc, params string) terminateResult {
	t.Helper()
	resp := h.call(t, `{"jsonrpc":"2.0","id":1,"method":"terminate","params":`+params+`}`)
	var r struct{ Result *terminateResult }
	if err := json.Unmarshal([]byte(resp), &r); err != nil || r.Result == nil {
		t.Fatalf("terminate: %s", resp)
	}
	return *r.Result
}

func TestTerminateAChildThatExitsOnTERM(t *testing.T) {
	h := startHelper(t)
	c := startChild(t, false)
	// The child is ours, so it stays a zombie until reaped: that counts.
	res := terminate(t, h, fmt.Sprintf(`{"pid":%d,"timeout_ms":5000}`, c.pid()))
	if !res.Exited || res.Escalated {
		t.Fatalf("terminate = %+v, want exited without escalation", res)
	}
	if sig := c.terminatedBy(t); sig != syscall.SIGTERM {
		t.Fatalf("ended by %v, want SIGTERM", sig)
	}
}

func TestTerminateEscalatesWhenTERMIsIgnored(t *testing.T) {
	h := startHelper(t)
	c := startChildScript(t, nil, `trap "" TERM; exec sleep 120`)
	res := terminate(t, h, fmt.Sprintf(`[%d,"TERM",100,"KILL",5000]`, c.pid()))
	if !res.Exited || !res.Escalated || res.ElapsedMS < 100 {
		t.Fatalf("terminate = %+v, want exited after escalating, at least 100 ms in", res)
	}
	if sig := c.terminatedBy(t); sig != syscall.SIGKILL {
		t.Fatalf("ended by %v, want SIGKILL", sig)
	}
}

func TestTerminateWithoutEscalation(t *testing.T) {
	h := startHelper(t)
	c := startChild(t, false)
	res := terminate(t, h, fmt.Sprintf(`{"pid":%d,"signal":"CONT","timeout_ms":20,"escalate":null}`, c.pid()))
	if res.Exited || res.Escalated {
		t.Fatalf("terminate = %+v, want neither exited nor escalated", res)
	}
	c.assertUntouched(t)
}

func TestWaitDoesNotDelayOtherRequests(t *testing.T) {
	h := startHelper(t)
	c := startChild(t, false)
	h.send(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"wait","params":[%d,60000]}`+"\n", c.pid()))
	if got := h.call(t, `{"jsonrpc":"2.0","id":2,"method":"signum","params":["INT"]}`); got != `{"jsonrpc":"2.0","id":2,"result":2}` {
		t.Fatalf("signum behind a wait: %s", got)
	}
	c.cmd.Process.Kill()
	if got := h.next(t); got != `{"jsonrpc":"2.0","id":1,"result":{"exited":true}}` {
		t.Fatalf("wait: %s", got)
	}
}

func TestManyConcurrentWaitsResolve(t *testing.T) {
	concurrentWaits(t, 200)
}

// concurrentWaits starts n children, waits on all of them at once, checks
// that a request behind the waits is answered first, then kills the
// children and checks that every wait answers exactly once.
func concurrentWaits(t *testing.T, n int) {
	h := startHelper(t)
	var in strings.Builder
	children := make([]*exec.Cmd, n)
	for i := range children {
		cmd := exec.Command("sleep", "120")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		children[i] = cmd
		fmt.Fprintf(&in, `{"jsonrpc":"2.0","id":%d,"method":"wait","params":{"pid":%d,"timeout_ms":60000}}`+"\n", i, cmd.Process.Pid)
	}
	h.send(t, in.String())
	if got := h.call(t, `{"jsonrpc":"2.0","id":"probe","method":"signum","params":["INT"]}`); !strings.Contains(got, `"probe"`) {
		t.Fatalf("probe behind %d waits: %s", n, got)
	}
	for _, cmd := range children {
		cmd.Process.Kill()
	}
	seen := map[string]bool{}
	for range n {
		line := h.next(t)
		if !strings.HasSuffix(line, `"result":{"exited":true}}`) || seen[line] {
			t.Fatalf("wait answered %s", line)
		}
		seen[line] = true
	}
}

// TestEndOfInputFinishesWhatWasRead: a one-shot client (printf ... |
// sigrpc) gets what it asked for: the end of input cancels nothing.
func TestEndOfInputFinishesWhatWasRead(t *testing.T) {
	t.Run("wait runs to its timeout", func(t *testing.T) {
		t.Parallel()
		c := startChild(t, false)
		start := time.Now()
		out, stderr, code := runBinary(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"wait","params":{"pid":%d,"timeout_ms":300}}`+"\n", c.pid()))
		took := time.Since(start)
		if out != `{"jsonrpc":"2.0","id":1,"result":{"exited":false}}`+"\n" || code != 0 {
			t.Fatalf("got %q, exit %d (stderr %q)", out, code, stderr)
		}
		if took < 300*time.Millisecond {
			t.Fatalf("answered after %v, before the 300 ms wait was over", took)
		}
		c.assertUntouched(t)
	})
	t.Run("wait sees the exit after end of input", func(t *testing.T) {
		t.Parallel()
		h := startHelper(t)
		c := startChild(t, false)
		h.send(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"wait","params":[%d,60000]}`+"\n", c.pid()))
		h.call(t, `{"jsonrpc":"2.0","id":"probe","method":"signum","params":["INT"]}`) // the wait has started
		h.stdin.Close()
		c.cmd.Process.Kill()
		if got := h.next(t); got != `{"jsonrpc":"2.0","id":1,"result":{"exited":true}}` {
			t.Fatalf("wait after EOF: %s", got)
		}
		if code, err := h.waitExit(t); err != nil || code != 0 {
			t.Fatalf("exit %d (%v)", code, err)
		}
	})
	t.Run("terminate escalates", func(t *testing.T) {
		t.Parallel()
		c := startChildScript(t, nil, `trap "" TERM; exec sleep 120`)
		out, stderr, code := runBinary(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"terminate","params":{"pid":%d,"timeout_ms":100}}`+"\n", c.pid()))
		var r struct{ Result *terminateResult }
		if err := json.Unmarshal([]byte(out), &r); err != nil || r.Result == nil || code != 0 {
			t.Fatalf("got %q, exit %d (stderr %q)", out, code, stderr)
		}
		if !r.Result.Escalated || !r.Result.Exited {
			t.Fatalf("terminate = %+v, want escalated and exited", *r.Result)
		}
		if sig := c.terminatedBy(t); sig != syscall.SIGKILL {
			t.Fatalf("ended by %v, want SIGKILL", sig)
		}
	})
}
