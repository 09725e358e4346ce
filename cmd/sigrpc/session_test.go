//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"github.com/sigrpc/sigrpc/internal/testio"
)

// This file tests the session as clients really drive it: stdin kept open
// while an answer is awaited, a client that stops reading, signals while
// output is stalled.

// procStatus returns the value of a /proc/<pid>/status field, such as
// "Threads" or "VmHWM", as its first number.
func procStatus(t *testing.T, pid int, field string) int {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.Atoi(strings.Fields(v)[0])
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
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

// TestAnswersNeverWaitForInput: a request followed by bytes that complete
// no message (a blank line, "\r\n", the start of the next request) is
// answered while stdin stays open, for calls that answer at once and for
// a wait of 100 ms on a live process, in both framings.
func TestAnswersNeverWaitForInput(t *testing.T) {
	c := startChild(t, false)
	lsp := func(body string) string { return fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body) }
	kill := fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"kill","params":[%d,"NONE"]}`, c.pid())
	wait := fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"wait","params":[%d,100]}`, c.pid())
	for _, tc := range []struct{ name, framing, input, want string }{
		{"kill then a blank line", "ndjson", kill + "\n\n", `{"jsonrpc":"2.0","id":1,"result":true}`},
		{"wait then a blank line", "ndjson", wait + "\n\n", `{"jsonrpc":"2.0","id":1,"result":{"exited":false}}`},
		{"wait then a partial request", "ndjson", wait + "\n{\"jsonrpc\":", `{"jsonrpc":"2.0","id":1,"result":{"exited":false}}`},
		{"kill then \\r\\n", "lsp", lsp(kill) + "\r\n", `{"jsonrpc":"2.0","id":1,"result":true}`},
		{"wait then a partial header", "lsp", lsp(wait) + "Content-Le", `{"jsonrpc":"2.0","id":1,"result":{"exited":false}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := startHelper(t, "--framing", tc.framing)
			h.send(t, tc.input)
			got := make(chan string, 1)
			go func() { got <- readFramed(t, h, tc.framing) }()
			select {
			case s := <-got:
				if s != tc.want {
					t.Fatalf("got %s, want %s", s, tc.want)
				}
			case <-time.After(time.Second):
				t.Fatal("no answer within 1 s with stdin open")
			}
		})
	}
	c.assertUntouched(t)
}

// stalledHelper starts sigrpc (without the race detector, for honest
// memory figures) and fills its output pipe with answers nobody reads,
// so that it stalls: it returns once the pipe is full and the helper has
// stopped reading its input.
func stalledHelper(t *testing.T, args ...string) *helperProc {
	t.Helper()
	h := startBinary(t, plainBinPath, args...)
	go func() {
		req := strings.Repeat(`{"jsonrpc":"2.0","id":1,"method":"signals"}`+"\n", 64)
		for {
			if _, err := io.WriteString(h.stdin, req); err != nil {
				return
			}
		}
	}()
	waitFor(t, "the output pipe to fill", func() bool { return pipeBytes(t, h.stdoutPipe) >= 64<<10 })
	return h
}

// pipeBytes returns how many bytes wait in the pipe f (either end) to be
// read.
func pipeBytes(t *testing.T, f any) int {
	t.Helper()
	file, ok := f.(interface{ Fd() uintptr })
	if !ok {
		t.Fatalf("%T is not a file", f)
	}
	n, err := unix.IoctlGetInt(int(file.Fd()), unix.TIOCINQ) // FIONREAD
	if err != nil {
		t.Fatalf("TIOCINQ (FIONREAD): %v", err)
	}
	return n
}

// TestStalledClientKeepsTheHelperSmall: a client that never reads stdout
// and keeps sending waits for 10 s, 45 a write and each write ending
// mid-line, leaves the helper under 64 MiB; once it reads, every answer
// arrives. Each wait checks once and ends at once, so the limit on running
// calls alone would not bound the helper: the answers it cannot write must
// (the reviewer's reproduction: 845 MB and 284,843 goroutines in 20 s).
// Calls answered inline, such as kill, stop a stalled reader on their own;
// internal/service's TestStalledClientKeepsGoroutinesBounded mixes both
// and counts goroutines.
func TestStalledClientKeepsTheHelperSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 10 s")
	}
	t.Parallel()
	c := startChild(t, false)
	h := startBinary(t, plainBinPath)
	flood := testio.StartFlood(h.stdin, 45, func(id int) string {
		return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"wait","params":[%d,0]}`+"\n", id, c.pid())
	})
	pid := h.cmd.Process.Pid
	peakThreads := 0
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		peakThreads = max(peakThreads, procStatus(t, pid, "Threads"))
	}
	hwm := procStatus(t, pid, "VmHWM")
	t.Logf("after 10 s stalled: VmHWM %d KiB, peak %d threads, %d requests sent", hwm, peakThreads, flood.Sent())
	if hwm > 64<<10 {
		t.Errorf("peak memory %d KiB with a stalled client, want under 64 MiB", hwm)
	}
	// Now read, while the writer completes its last request.
	answered := map[int]bool{}
	read := make(chan error, 1)
	go func() {
		for {
			line, err := h.stdout.ReadString('\n')
			if err != nil {
				read <- nil
				return
			}
			var resp struct{ ID int }
			if json.Unmarshal([]byte(line), &resp) != nil {
				read <- fmt.Errorf("bad answer %q", line)
				return
			}
			answered[resp.ID] = true
		}
	}()
	sent := flood.Stop()
	h.stdin.Close()
	select {
	case err := <-read:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the answers did not all come within 30 s of reading")
	}
	for id := range sent {
		if !answered[id] {
			t.Fatalf("request %d of %d got no answer", id, sent)
		}
	}
	c.assertUntouched(t)
}

// TestSIGTERMEndsAStalledHelper: SIGTERM (and SIGINT) end a helper whose
// output nobody reads within the 2 s shutdown deadline plus a margin,
// with a non-zero status since answers were left unwritten.
func TestSIGTERMEndsAStalledHelper(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			h := stalledHelper(t)
			start := time.Now()
			h.cmd.Process.Signal(sig)
			code, err := h.waitExit(t)
			if took := time.Since(start); took > 5*time.Second || err != nil {
				t.Fatalf("exited after %v (%v), want within 5 s", took, err)
			}
			if code != exitFailure {
				t.Fatalf("exit status %d, want %d: answers were left unwritten", code, exitFailure)
			}
		})
	}
}

// TestSecondSIGTERMEndsTheHelperAtOnce: while the first SIGTERM's
// shutdown waits for a stalled client, a second ends the helper at once.
func TestSecondSIGTERMEndsTheHelperAtOnce(t *testing.T) {
	t.Parallel()
	h := stalledHelper(t)
	h.cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(100 * time.Millisecond) // a second signal, not the first one twice
	start := time.Now()
	h.cmd.Process.Signal(syscall.SIGTERM)
	h.waitExit(t)
	if took := time.Since(start); took > time.Second {
		t.Fatalf("exited %v after the second SIGTERM, want at once", took)
	}
	if ws := h.cmd.ProcessState.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Fatalf("ended with %v, want killed by the second SIGTERM", h.cmd.ProcessState)
	}
}

// TestParentDeathEndsAStalledHelper: the helper's parent exits while its
// output is stalled and its stdin held open by someone else: it exits
// within 5 s.
func TestParentDeathEndsAStalledHelper(t *testing.T) {
	t.Parallel()
	g := startGrandchild(t, plainBinPath)
	go func() {
		req := strings.Repeat(`{"jsonrpc":"2.0","id":1,"method":"signals"}`+"\n", 64)
		for {
			if _, err := io.WriteString(g.stdin, req); err != nil {
				return
			}
		}
	}()
	waitFor(t, "the output pipe to fill", func() bool { return pipeBytes(t, g.stdout) >= 64<<10 })
	g.orphan() // the parent exits; stdin stays open, stdout stays full
	start := time.Now()
	deadline := start.Add(5 * time.Second)
	for !exitedOrZombie(g.pid) {
		if time.Now().After(deadline) {
			syscall.Kill(g.pid, syscall.SIGKILL) // our own helper: do not leave it behind
			t.Fatalf("sigrpc still running 5 s after its parent died")
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("exited %v after its parent", time.Since(start))
}

// TestLostReaderEndsTheHelper: the client closes its end of sigrpc's
// stdout while a wait is pending, its stdin still open and its parent
// alive: nobody can read the answer, so sigrpc cancels the wait and exits
// within 5 s, not when the wait's minute is up. This is also what ends a
// helper whose parent died before sigrpc could start watching it.
func TestLostReaderEndsTheHelper(t *testing.T) {
	t.Parallel()
	h := startHelper(t)
	c := startChild(t, false)
	h.send(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"wait","params":[%d,60000]}`+"\n", c.pid()))
	h.call(t, `{"jsonrpc":"2.0","id":"probe","method":"signum","params":["INT"]}`) // the wait has started
	start := time.Now()
	h.stdoutPipe.Close()
	code, err := h.waitExit(t)
	if took := time.Since(start); took > 5*time.Second || err != nil {
		t.Fatalf("exited %v after its reader left (%v), want within 5 s", took, err)
	}
	if code != exitFailure {
		t.Fatalf("exit status %d, want %d: the wait's answer could not be written", code, exitFailure)
	}
	c.assertUntouched(t)
}

// TestHalfClosedSocketIsNotALostReader: a client on one socket for both
// stdin and stdout that shuts down only its writing half (its end of
// input) still reads: sigrpc runs the pending wait to its timeout and
// answers, as at the end of any input.
func TestHalfClosedSocketIsNotALostReader(t *testing.T) {
	t.Parallel()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.SetNonblock(fds[0], true); err != nil { // for read deadlines
		t.Fatal(err)
	}
	ours, theirs := os.NewFile(uintptr(fds[0]), "client"), os.NewFile(uintptr(fds[1]), "sigrpc")
	defer ours.Close()
	c := startChild(t, false)
	cmd := exec.Command(binPath)
	cmd.Stdin, cmd.Stdout = theirs, theirs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	theirs.Close()
	fmt.Fprintf(ours, `{"jsonrpc":"2.0","id":1,"method":"wait","params":[%d,300]}`+"\n", c.pid())
	if err := shutdownWrite(ours); err != nil {
		t.Fatal(err)
	}
	if err := ours.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(ours)
	if want := `{"jsonrpc":"2.0","id":1,"result":{"exited":false}}` + "\n"; string(out) != want || err != nil {
		t.Fatalf("read %q (%v), want %q", out, err, want)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("sigrpc: %v", err)
	}
	c.assertUntouched(t)
}

// shutdownWrite shuts down the writing half of the socket f.
func shutdownWrite(f *os.File) error {
	raw, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var opErr error
	if err := raw.Control(func(fd uintptr) { opErr = unix.Shutdown(int(fd), unix.SHUT_WR) }); err != nil {
		return err
	}
	return opErr
}

// grandchild is a sigrpc started by a shell that the test started, on
// pipes the test holds, so that the test can make it an orphan while its
// stdin stays open.
type grandchild struct {
	pid    int
	stdin  *os.File // the test's end of sigrpc's stdin
	stdout *os.File // the test's end of sigrpc's stdout
	orphan func()   // makes the shell exit, and reaps it
}

// startGrandchild starts the sigrpc at path as a grandchild; the test's
// ends of its pipes are closed when the test ends.
func startGrandchild(t *testing.T, path string) *grandchild {
	t.Helper()
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inW.Close(); outR.Close() })
	// The shell starts sigrpc in the background on the pipes, prints its
	// pid, and exits when its own stdin closes.
	sh := exec.Command("sh", "-c", `"$0" <&3 >&4 & echo $!; read _`, path)
	sh.ExtraFiles = []*os.File{inR, outW}
	shIn, err := sh.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	shOut, err := sh.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	inR.Close()
	outW.Close()
	g := &grandchild{stdin: inW, stdout: outR, orphan: func() { shIn.Close(); sh.Wait() }}
	if _, err := fmt.Fscan(shOut, &g.pid); err != nil {
		t.Fatalf("reading sigrpc's pid: %v", err)
	}
	return g
}

// exitedOrZombie reports whether pid is gone or a zombie.
func exitedOrZombie(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	return len(fields) > 0 && fields[0] == "Z"
}

// TestThousandPendingWaitsUseFewThreads: waits park goroutines on the
// runtime poller, not threads: 1,000 pending waits take at most 64
// threads and one descriptor each.
func TestThousandPendingWaitsUseFewThreads(t *testing.T) {
	t.Parallel()
	c := startChild(t, false)
	h := startBinary(t, plainBinPath)
	pid := h.cmd.Process.Pid
	base := openFDs(t, pid)
	var in strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&in, `{"jsonrpc":"2.0","id":%d,"method":"wait","params":{"pid":%d,"timeout_ms":60000}}`+"\n", i, c.pid())
	}
	h.send(t, in.String())
	waitFor(t, "1000 waits to be pending", func() bool { return openFDs(t, pid) >= base+1000 })
	threads, fds := procStatus(t, pid, "Threads"), openFDs(t, pid)
	t.Logf("1000 pending waits: %d threads, %d descriptors (%d before)", threads, fds, base)
	if threads > 64 {
		t.Errorf("%d threads for 1000 pending waits, want at most 64", threads)
	}
	if fds > base+1000+8 {
		t.Errorf("%d descriptors for 1000 pending waits (%d before), want about one each", fds, base)
	}
	c.cmd.Process.Kill()
	for range 1000 {
		if got := h.next(t); !strings.HasSuffix(got, `"result":{"exited":true}}`) {
			t.Fatalf("wait answered %s", got)
		}
	}
}

// TestDeclaredLengthIsNotAllocated: with a limit of 2^62 bytes, a header
// declaring 2^40 bytes allocates nothing up front: the buffer grows with
// the bytes that arrive.
func TestDeclaredLengthIsNotAllocated(t *testing.T) {
	t.Parallel()
	h := startBinary(t, plainBinPath, "--framing", "lsp", "--max-message-bytes", "4611686018427387904")
	h.send(t, "Content-Length: 1099511627776\r\n\r\n"+strings.Repeat("x", 1<<20))
	waitFor(t, "the helper to read the first MiB", func() bool { return pipeBytes(t, h.stdin) == 0 })
	if hwm := procStatus(t, h.cmd.Process.Pid, "VmHWM"); hwm > 64<<10 {
		t.Fatalf("peak memory %d KiB after a header declaring 1 TiB", hwm)
	}
	h.stdin.Close()
	if got := readFramed(t, h, "lsp"); !strings.Contains(got, "truncated message") {
		t.Fatalf("at the end of input: %q, want a truncated message error", got)
	}
	if code, err := h.waitExit(t); err != nil || code != 0 {
		t.Fatalf("exit %d (%v)", code, err)
	}
}

// cpuTime returns the CPU time pid has used, from /proc/<pid>/stat.
func cpuTime(t *testing.T, pid int) time.Duration {
	t.Helper()
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	utime, _ := strconv.Atoi(fields[11]) // stat fields 14 and 15, in clock ticks
	stime, _ := strconv.Atoi(fields[12])
	return time.Duration(utime+stime) * time.Second / 100 // USER_HZ is 100 on Linux
}

// TestSpinTakesAtMostAQuarterOfTheTime: with the longest --spin, a client
// that sends a request every millisecond, or every 100 µs, just inside the
// window, keeps the helper busy well under half the time: watching is
// held to a quarter of the wall-clock time, and the rest is the work.
func TestSpinTakesAtMostAQuarterOfTheTime(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	for _, every := range []time.Duration{time.Millisecond, 100 * time.Microsecond} {
		t.Run(every.String(), func(t *testing.T) {
			h := startBinary(t, plainBinPath, "--spin", "1ms")
			h.call(t, `{"jsonrpc":"2.0","id":0,"method":"signum","params":["TERM"]}`) // started
			pid := h.cmd.Process.Pid
			cpu0, start := cpuTime(t, pid), time.Now()
			req := `{"jsonrpc":"2.0","id":1,"method":"signum","params":["TERM"]}` + "\n"
			n := 0
			for next := start; time.Since(start) < 2*time.Second; n++ {
				h.call(t, strings.TrimSuffix(req, "\n"))
				next = next.Add(every)
				time.Sleep(time.Until(next))
			}
			share := float64(cpuTime(t, pid)-cpu0) / float64(time.Since(start))
			t.Logf("a request every %v (%d in all): the helper used %.0f%% of a CPU", every, n, 100*share)
			if share > 0.5 {
				t.Fatalf("the helper used %.0f%% of a CPU, want well under half", 100*share)
			}
		})
	}
}

// TestAnswersAreValidUTF8: invalid UTF-8 in an id, a method name or a
// signal name is replaced in the answer, each bad byte by \ufffd; every
// answer is valid UTF-8 and valid JSON.
func TestAnswersAreValidUTF8(t *testing.T) {
	h := startHelper(t)
	for _, req := range []string{
		`{"jsonrpc":"2.0","id":"a` + "\xff" + `","method":"signum","params":["TERM"]}`,
		`{"jsonrpc":"2.0","id":1,"method":"x` + "\xfe" + `"}`,
		`{"jsonrpc":"2.0","id":1,"method":"kill","params":[2147483647,"T` + "\xff" + `RM"]}`,
	} {
		got := h.call(t, req)
		if !utf8.ValidString(got) || !json.Valid([]byte(got)) || !strings.Contains(got, `\ufffd`) {
			t.Errorf("%q answered %q", req, got)
		}
	}
}
