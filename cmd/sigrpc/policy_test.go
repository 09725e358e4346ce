//go:build linux

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

const nobody = 65534

func killRequest(pid int, sig string) string {
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"kill","params":[%d,%q]}`, pid, sig)
}

func refusal(reason string) string {
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"error":{"code":-32001,"message":"refused by policy: %s","data":{"reason":%q}}}`, reason, reason)
}

const sent = `{"jsonrpc":"2.0","id":1,"result":true}`

func TestAllowUID(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to start a child under another uid")
	}
	asNobody := &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	t.Run("refuses other uids", func(t *testing.T) {
		h := startHelper(t, "--allow-uid", "0")
		c := startChildScript(t, asNobody, "exec sleep 120")
		if got := h.call(t, killRequest(c.pid(), "TERM")); got != refusal("uid") {
			t.Fatalf("got %s, want a uid refusal", got)
		}
		c.assertUntouched(t)
		own := startChild(t, false) // uid 0: allowed
		if got := h.call(t, killRequest(own.pid(), "NONE")); got != sent {
			t.Fatalf("own uid: %s", got)
		}
	})
	t.Run("accepts a listed uid", func(t *testing.T) {
		h := startHelper(t, "--allow-uid", "12345", "--allow-uid", fmt.Sprint(nobody))
		c := startChildScript(t, asNobody, "exec sleep 120")
		root := startChild(t, false)
		if got := h.call(t, killRequest(root.pid(), "TERM")); got != refusal("uid") {
			t.Fatalf("root's child: %s, want a uid refusal", got)
		}
		root.assertUntouched(t)
		if got := h.call(t, killRequest(c.pid(), "TERM")); got != sent {
			t.Fatalf("got %s", got)
		}
		if sig := c.terminatedBy(t); sig != syscall.SIGTERM {
			t.Fatalf("ended by %v", sig)
		}
	})
	t.Run("terminate obeys it too", func(t *testing.T) {
		h := startHelper(t, "--allow-uid", "0")
		c := startChildScript(t, asNobody, "exec sleep 120")
		got := h.call(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"terminate","params":[%d]}`, c.pid()))
		if got != refusal("uid") {
			t.Fatalf("got %s", got)
		}
		c.assertUntouched(t)
	})
}

func TestDescendantsOnly(t *testing.T) {
	h := startHelper(t, "--descendants-only") // its parent is this test process
	t.Run("accepts a child", func(t *testing.T) {
		c := startChild(t, false)
		if got := h.call(t, killRequest(c.pid(), "TERM")); got != sent {
			t.Fatalf("got %s", got)
		}
		if sig := c.terminatedBy(t); sig != syscall.SIGTERM {
			t.Fatalf("ended by %v", sig)
		}
	})
	t.Run("accepts a grandchild", func(t *testing.T) {
		sh := exec.Command("sh", "-c", `sleep 120 & p=$!; echo $p; wait $p`)
		out, err := sh.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := sh.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sh.Process.Kill(); sh.Wait() })
		var pid int
		if _, err := fmt.Fscan(bufio.NewReader(out), &pid); err != nil {
			t.Fatal(err)
		}
		if got := h.call(t, killRequest(pid, "TERM")); got != sent {
			t.Fatalf("got %s", got)
		}
		sh.Wait() // the shell's wait returns once the grandchild is gone
		ws := sh.ProcessState.Sys().(syscall.WaitStatus)
		if ws.Signaled() || ws.ExitStatus() != 128+int(syscall.SIGTERM) {
			t.Fatalf("the shell saw its child end with status %d, want %d", ws.ExitStatus(), 128+int(syscall.SIGTERM))
		}
	})
	t.Run("refuses a process outside the tree", func(t *testing.T) {
		pid := startOrphan(t)
		if got := h.call(t, killRequest(pid, "TERM")); got != refusal("not-descendant") {
			t.Fatalf("got %s, want a not-descendant refusal", got)
		}
		assertNoPendingSignal(t, pid)
	})
	t.Run("refuses groups", func(t *testing.T) {
		c := startChild(t, true)
		if got := h.call(t, killRequest(-c.pid(), "TERM")); got != refusal("process-group") {
			t.Fatalf("got %s", got)
		}
		c.assertUntouched(t)
	})
}

// startOrphan double-forks a sleep that the test started but that is no
// longer its descendant, and kills it through a pidfd when the test ends.
func startOrphan(t *testing.T) int {
	t.Helper()
	sh := exec.Command("sh", "-c", `sleep 120 </dev/null >/dev/null 2>&1 & echo $!`)
	out, err := sh.Output()
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	if _, err := fmt.Sscan(string(out), &pid); err != nil {
		t.Fatal(err)
	}
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		t.Fatalf("pidfd_open %d: %v", pid, err)
	}
	t.Cleanup(func() {
		unix.PidfdSendSignal(pidfd, unix.SIGKILL, nil, 0)
		unix.Close(pidfd)
	})
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if fields[1] == fmt.Sprint(os.Getpid()) {
		t.Fatalf("the orphan %d is still this test's child", pid)
	}
	return pid
}
