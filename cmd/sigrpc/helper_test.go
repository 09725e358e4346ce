//go:build linux

package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sigrpc/sigrpc/internal/proctest"
	"github.com/sigrpc/sigrpc/internal/schemacheck"
	"github.com/sigrpc/sigrpc/internal/spawn"
)

// These tests show what only the binary can: its flags and --help, its
// exit codes, its lifecycle (stdin kept open, the end of input, its
// parent's death, signals to it, nothing left stopped), its stdio rules,
// its privilege and pid namespaces, the seed parity suite and the
// hostile-client checks. What the methods do to processes is tested in
// process, in internal/service. Every process is started through
// internal/spawn; tests signal only processes they start, or pids that
// cannot exist (above the kernel's largest pid_max, 2^22).

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
		results, _ = discoverResults(other) // an older build may not discover
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
	if results, err = discoverResults(plainBinPath); err != nil {
		fmt.Fprintln(os.Stderr, "reading the helper's rpc.discover:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// results holds answers to the result schemas the helper discovers.
var results *schemacheck.Checker

// discoverResults reads the result schemas of the helper at path.
func discoverResults(path string) (*schemacheck.Checker, error) {
	cmd := exec.Command(path)
	cmd.Stdin = strings.NewReader(schemacheck.DiscoverRequest)
	out, err := cmd.Output()
	if err != nil {
		return nil, err
	}
	return schemacheck.FromAnswer(out)
}

// startHelper starts sigrpc (the race build) with args, on pipes. When
// the test ends its stdin is closed, and it must exit within 10 s. Every
// answer its Call reads is held to its method's discovered schema.
func startHelper(t *testing.T, args ...string) *spawn.Proc {
	t.Helper()
	p := spawn.Start(t, spawn.Options{}, binPath, args...)
	if results != nil {
		p.Check = results.Check
	}
	return p
}

// startPlain is startHelper for the build without the race detector,
// whose memory and threads are the helper's own.
func startPlain(t *testing.T, args ...string) *spawn.Proc {
	t.Helper()
	return spawn.Start(t, spawn.Options{}, plainBinPath, args...)
}

// runBinary runs sigrpc with args and input, and returns its stdout,
// stderr and exit code.
func runBinary(t *testing.T, input string, args ...string) (string, string, int) {
	t.Helper()
	return spawn.Run(t, spawn.Options{}, input, binPath, args...)
}

// waitExit waits for the helper to exit and returns its exit code (-1 if
// a signal ended it).
func waitExit(t *testing.T, h *spawn.Proc) int {
	t.Helper()
	return h.Wait(t).ExitCode()
}

const sent = `{"jsonrpc":"2.0","id":1,"result":true}`

func killRequest(pid int, sig string) string {
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"kill","params":[%d,%q]}`, pid, sig)
}

func refusal(reason string) string {
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"error":{"code":-32001,"message":"refused by policy: %s","data":{"reason":%q}}}`, reason, reason)
}

// needRootAnd skips the test unless it runs as root and every tool is on
// PATH; under CI, where .ci/run installs them, a missing tool fails it.
func needRootAnd(t *testing.T, tools ...string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is missing; .ci/run installs it", tool)
			}
			t.Skipf("needs %s: %v", tool, err)
		}
	}
}

// readFramed reads one response in the given framing, failing after 30 s.
func readFramed(t *testing.T, h *spawn.Proc, framing string) string {
	t.Helper()
	got := make(chan string, 1)
	go func() {
		if framing == "ndjson" {
			line, _ := h.R.ReadString('\n')
			got <- strings.TrimSuffix(line, "\n")
			return
		}
		var n int
		for {
			line, err := h.R.ReadString('\n')
			if err != nil {
				got <- ""
				return
			}
			if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
				n, _ = strconv.Atoi(strings.TrimSpace(v))
			}
			if line == "\r\n" {
				break
			}
		}
		body := make([]byte, n)
		io.ReadFull(h.R, body)
		got <- string(body)
	}()
	select {
	case s := <-got:
		return s
	case <-time.After(30 * time.Second):
		t.Fatal("no response within 30s")
	}
	return ""
}

// catchStopSignals makes a call that can last, a wait with a timeout (on
// a pid no process has), and checks its answer: the helper answers it
// only once it catches SIGTERM and SIGINT, which it does once a session
// lasts. A test that signals the helper to see it stop in order calls
// this first. It reads the answer itself, not with h.Next, which would
// go on reading in the background: a test that stalls the helper must
// not read its output.
func catchStopSignals(t *testing.T, h *spawn.Proc) {
	t.Helper()
	h.Send(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":"caught","method":"wait","params":[%d,1]}`+"\n", spawn.AbsentPID))
	got, err := h.R.ReadString('\n')
	if want := `{"jsonrpc":"2.0","id":"caught","result":{"exited":true}}` + "\n"; got != want || err != nil {
		t.Fatalf("a wait on an absent pid answered %q (%v), want %q", got, err, want)
	}
}

// outputFull reports whether the pipe that is process pid's stdout has
// no room for another write, as poll(2) sees it from a writer: every one
// of its buffers is in use. Its byte count cannot tell: writes that leave
// pages part-filled fill a pipe with less than its 64 KiB.
func outputFull(t *testing.T, pid int) bool {
	t.Helper()
	fd, err := unix.Open("/proc/"+strconv.Itoa(pid)+"/fd/1", unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("opening the stdout of process %d: %v", pid, err)
	}
	defer unix.Close(fd)
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
	n, err := unix.Poll(fds, 0)
	if err != nil {
		t.Fatalf("poll: %v", err)
	}
	return n == 0
}

// pipeBytes returns how many bytes wait in the pipe f (either end) to be
// read.
func pipeBytes(t *testing.T, f *os.File) int {
	t.Helper()
	n, err := unix.IoctlGetInt(int(f.Fd()), unix.TIOCINQ) // FIONREAD
	if err != nil {
		t.Fatalf("TIOCINQ (FIONREAD): %v", err)
	}
	return n
}

// procStatus returns the value of a /proc/<pid>/status field, such as
// "Threads" or "VmHWM", as its first number.
func procStatus(t *testing.T, pid int, field string) int {
	t.Helper()
	v := strings.Fields(proctest.StatusLine(pid, field))
	if len(v) == 0 {
		t.Fatalf("no %s in /proc/%d/status", field, pid)
	}
	n, _ := strconv.Atoi(v[0])
	return n
}

// openFDs counts the open file descriptors of pid.
func openFDs(t *testing.T, pid int) int {
	t.Helper()
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	return len(fds)
}
