//go:build linux

package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// This file holds the end-to-end harness: the sigrpc binary built once,
// helper processes over real pipes, and child processes for the tests to
// signal. Tests signal only children they start here, or pids that cannot
// exist (above the kernel's largest pid_max, 2^22).

// binPath is the sigrpc binary under test, built by TestMain with the race
// detector; plainBinPath is built without it, for measuring memory.
var binPath, plainBinPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sigrpc-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "sigrpc")
	plainBinPath = filepath.Join(dir, "plain", "sigrpc")
	if other := os.Getenv("SIGRPC_TEST_BIN"); other != "" {
		// Run the end-to-end tests against another build, such as an older
		// release, to see which of them it fails.
		binPath, plainBinPath = other, other
		os.Exit(m.Run())
	}
	for _, build := range []*exec.Cmd{
		exec.Command("go", "build", "-race", "-o", binPath, "."),
		exec.Command("go", "build", "-o", plainBinPath, "."),
	} {
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "building sigrpc:", err)
			os.Exit(1)
		}
	}
	// The race detector sleeps a second at exit by default; a data race
	// still fails the run (exit status 66).
	os.Setenv("GORACE", "atexit_sleep_ms=0")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// helperProc is a running sigrpc with pipes to it.
type helperProc struct {
	cmd        *exec.Cmd
	stdin      io.WriteCloser
	stdoutPipe io.ReadCloser // what stdout reads, for tests that look at the pipe
	stdout     *bufio.Reader
	stderr     *bytes.Buffer
	lines      chan string // ndjson response lines, read in the background

	waitOnce sync.Once
	exited   chan struct{} // closed once cmd.Wait has returned
	waitErr  error         // cmd.Wait's result, after exited
}

// wait returns a channel closed once the helper has exited and been
// reaped; cmd.Wait is called once, however many wait for it.
func (h *helperProc) wait() <-chan struct{} {
	h.waitOnce.Do(func() {
		go func() {
			h.waitErr = h.cmd.Wait()
			close(h.exited)
		}()
	})
	return h.exited
}

// startHelper starts sigrpc with args and stops it when the test ends.
func startHelper(t *testing.T, args ...string) *helperProc {
	t.Helper()
	return startBinary(t, binPath, args...)
}

// startBinary starts the sigrpc at path with args.
func startBinary(t *testing.T, path string, args ...string) *helperProc {
	t.Helper()
	return startBinaryAttr(t, path, nil, args...)
}

// startBinaryAttr starts the program at path (sigrpc, or another that
// reads stdin to its end) with attr and args.
func startBinaryAttr(t *testing.T, path string, attr *syscall.SysProcAttr, args ...string) *helperProc {
	t.Helper()
	cmd := exec.Command(path, args...)
	cmd.SysProcAttr = attr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	h := &helperProc{cmd: cmd, stdin: stdin, stdoutPipe: stdout, stdout: bufio.NewReader(stdout), stderr: &bytes.Buffer{}, exited: make(chan struct{})}
	cmd.Stderr = h.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		select {
		case <-h.wait():
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-h.wait()
			t.Errorf("sigrpc did not exit within 5s of stdin closing")
		}
	})
	return h
}

// readLines starts reading ndjson response lines in the background.
func (h *helperProc) readLines() {
	h.lines = make(chan string, 1024)
	go func() {
		defer close(h.lines)
		for {
			line, err := h.stdout.ReadString('\n')
			if err != nil {
				return
			}
			h.lines <- strings.TrimSuffix(line, "\n")
		}
	}()
}

// send writes raw bytes to the helper's stdin.
func (h *helperProc) send(t *testing.T, s string) {
	t.Helper()
	if _, err := io.WriteString(h.stdin, s); err != nil {
		t.Fatalf("writing to sigrpc: %v", err)
	}
}

// next returns the next response line, failing after 10 s.
func (h *helperProc) next(t *testing.T) string {
	t.Helper()
	if h.lines == nil {
		h.readLines()
	}
	select {
	case line, ok := <-h.lines:
		if !ok {
			t.Fatalf("sigrpc closed its output; stderr: %s", h.stderr)
		}
		return line
	case <-time.After(10 * time.Second):
		t.Fatalf("no response from sigrpc within 10s")
	}
	return ""
}

// call sends one ndjson request and returns the response line.
func (h *helperProc) call(t *testing.T, req string) string {
	t.Helper()
	h.send(t, req+"\n")
	return h.next(t)
}

// waitExit waits up to 10 s for the helper to exit and returns its status.
func (h *helperProc) waitExit(t *testing.T) (int, error) {
	t.Helper()
	select {
	case <-h.wait():
		var exit *exec.ExitError
		if h.waitErr == nil || errors.As(h.waitErr, &exit) {
			return h.cmd.ProcessState.ExitCode(), nil
		}
		return -1, h.waitErr
	case <-time.After(10 * time.Second):
		h.cmd.Process.Kill()
		t.Fatalf("sigrpc did not exit within 10s")
	}
	return -1, nil
}

// child is a process started by a test for the helper to signal.
type child struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once reaped
	err  error         // cmd.Wait's result, after done
}

// startChild starts a long sleep that dumps no core. With setsid it leads
// its own session and process group. It is killed and reaped when the
// test ends.
func startChild(t *testing.T, setsid bool) *child {
	t.Helper()
	return startChildScript(t, &syscall.SysProcAttr{Setsid: setsid}, "exec sleep 120")
}

// startChildScript runs a shell script that must end by exec'ing sleep,
// with core dumps off, and waits until it has.
func startChildScript(t *testing.T, attr *syscall.SysProcAttr, script string) *child {
	t.Helper()
	cmd := exec.Command("sh", "-c", "ulimit -c 0; "+script)
	cmd.SysProcAttr = attr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, done: make(chan struct{})}
	// Wait until sh has exec'd sleep, so signals reach sleep itself.
	waitFor(t, "the child to exec sleep", func() bool {
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", cmd.Process.Pid))
		return strings.TrimSpace(string(comm)) == "sleep"
	})
	t.Cleanup(func() {
		select {
		case <-c.done:
		default:
			cmd.Process.Kill()
			c.reap(t)
		}
	})
	return c
}

func (c *child) pid() int { return c.cmd.Process.Pid }

// reap waits for the child and records how it ended.
func (c *child) reap(t *testing.T) {
	t.Helper()
	ch := make(chan error, 1)
	go func() { ch <- c.cmd.Wait() }()
	select {
	case c.err = <-ch:
		close(c.done)
	case <-time.After(10 * time.Second):
		t.Fatalf("child %d did not exit within 10s", c.pid())
	}
}

// terminatedBy reaps the child and returns the signal that ended it.
func (c *child) terminatedBy(t *testing.T) syscall.Signal {
	t.Helper()
	c.reap(t)
	ws, ok := c.cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() {
		t.Fatalf("child %d exited without a signal: %v", c.pid(), c.cmd.ProcessState)
	}
	return ws.Signal()
}

// assertUntouched checks that the child is running with no signal pending:
// nothing was sent to it.
func (c *child) assertUntouched(t *testing.T) {
	t.Helper()
	var info unix.Siginfo
	if err := unix.Waitid(unix.P_PID, c.pid(), &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil); err != nil {
		t.Fatalf("waitid: %v", err)
	}
	if info.Signo != 0 {
		t.Fatalf("child %d has exited; it should have been left alone", c.pid())
	}
	assertNoPendingSignal(t, c.pid())
}

// startZombie starts a child that exits at once and waits until it is a
// zombie, without reaping it.
func startZombie(t *testing.T) *child {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var info unix.Siginfo
	if err := unix.Waitid(unix.P_PID, cmd.Process.Pid, &info, unix.WEXITED|unix.WNOWAIT, nil); err != nil {
		t.Fatalf("waitid: %v", err)
	}
	c := &child{cmd: cmd, done: make(chan struct{})}
	t.Cleanup(func() {
		select {
		case <-c.done:
		default:
			c.reap(t)
		}
	})
	return c
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

// waitFor polls cond every millisecond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// assertNoPendingSignal checks that process pid has no signal pending.
func assertNoPendingSignal(t *testing.T, pid int) {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		k, v, _ := strings.Cut(line, ":")
		if (k == "SigPnd" || k == "ShdPnd") && strings.Trim(strings.TrimSpace(v), "0") != "" {
			t.Fatalf("child %d has a pending signal (%s); nothing should have been sent", pid, line)
		}
	}
}
