//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sigrpc/sigrpc/internal/proctest"
	"github.com/sigrpc/sigrpc/internal/spawn"
	"github.com/sigrpc/sigrpc/internal/testio"
)

// This file tests the session as clients really drive it: stdin kept open
// while an answer is awaited, the end of input, a client that stops
// reading, signals while output is stalled, the parent's death.

// TestAnswersNeverWaitForInput: the answer to a wait on a live process,
// followed by the start of the next request, comes while stdin stays
// open, in both framings. (The conformance vectors' "liveness" cases,
// run with stdin open, cover calls that answer at once.)
func TestAnswersNeverWaitForInput(t *testing.T) {
	c := spawn.Sleep(t, false)
	wait := fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"wait","params":[%d,100]}`, c.Pid)
	for _, tc := range []struct{ framing, input string }{
		{"ndjson", wait + "\n{\"jsonrpc\":"},
		{"lsp", fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(wait), wait) + "Content-Le"},
	} {
		t.Run(tc.framing, func(t *testing.T) {
			t.Parallel()
			h := startHelper(t, "--framing", tc.framing)
			h.Send(t, tc.input)
			got := make(chan string, 1)
			go func() { got <- readFramed(t, h, tc.framing) }()
			select {
			case s := <-got:
				if want := `{"jsonrpc":"2.0","id":1,"result":{"exited":false}}`; s != want {
					t.Fatalf("got %s, want %s", s, want)
				}
			case <-time.After(2 * time.Second):
				t.Fatal("no answer within 2 s with stdin open")
			}
			c.AssertUntouched(t)
		})
	}
}

// fillOutput writes to w, until a write fails, requests whose answers
// are large, so that a helper nobody reads fills its output pipe.
func fillOutput(w io.Writer) {
	req := strings.Repeat(`{"jsonrpc":"2.0","id":1,"method":"signals"}`+"\n", 64)
	for {
		if _, err := io.WriteString(w, req); err != nil {
			return
		}
	}
}

// stalledHelper starts sigrpc (without the race detector, for honest
// memory figures) and fills its output pipe with answers nobody reads,
// so that it stalls: it returns once the pipe is full and the helper has
// stopped reading its input.
func stalledHelper(t *testing.T, args ...string) *spawn.Proc {
	t.Helper()
	h := startPlain(t, args...)
	catchStopSignals(t, h) // the tests signal a stalled helper
	go fillOutput(h.Stdin)
	spawn.WaitFor(t, "the output pipe to fill", func() bool { return outputFull(t, h.Pid) })
	return h
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
	c := spawn.Sleep(t, false)
	h := startPlain(t)
	flood := testio.StartFlood(h.Stdin, 45, func(id int) string {
		return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"wait","params":[%d,0]}`+"\n", id, c.Pid)
	})
	peakThreads := 0
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		peakThreads = max(peakThreads, procStatus(t, h.Pid, "Threads"))
	}
	hwm := procStatus(t, h.Pid, "VmHWM")
	t.Logf("after 10 s stalled: VmHWM %d KiB, peak %d threads, %d requests sent", hwm, peakThreads, flood.Sent())
	if hwm > 64<<10 {
		t.Errorf("peak memory %d KiB with a stalled client, want under 64 MiB", hwm)
	}
	// Now read, while the writer completes its last request.
	answered := map[int]bool{}
	read := make(chan error, 1)
	go func() {
		for {
			line, err := h.R.ReadString('\n')
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
	h.Stdin.Close()
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
	c.AssertUntouched(t)
}

// TestSIGTERMEndsAStalledHelper: SIGTERM (and SIGINT) end a helper whose
// output nobody reads within the 2 s shutdown deadline plus a margin,
// with a non-zero status since answers were left unwritten.
func TestSIGTERMEndsAStalledHelper(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			h := stalledHelper(t)
			start := time.Now()
			h.Signal(sig)
			code := waitExit(t, h)
			if took := time.Since(start); took > 5*time.Second {
				t.Fatalf("exited after %v, want within 5 s", took)
			}
			if code != exitFailure {
				t.Fatalf("exit status %d, want %d: answers were left unwritten", code, exitFailure)
			}
		})
	}
}

// TestSecondSIGTERMEndsTheHelperAtOnce: while the first SIGTERM's
// shutdown waits (2 s) for a stalled client, a second ends the helper at
// once, killed by it. Two signals sent together may arrive as one, so
// the test sends SIGTERM until the helper exits: it must be killed by
// SIGTERM well before the shutdown's deadline would have ended it.
func TestSecondSIGTERMEndsTheHelperAtOnce(t *testing.T) {
	t.Parallel()
	h := stalledHelper(t)
	start := time.Now()
	for exited := false; !exited; {
		h.Signal(syscall.SIGTERM)
		select {
		case <-h.Done():
			exited = true
		case <-time.After(10 * time.Millisecond):
		}
	}
	if took := time.Since(start); took > time.Second {
		t.Fatalf("exited %v after the first SIGTERM, want at once after the second", took)
	}
	if ws := h.Cmd.ProcessState.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Fatalf("ended with %v, want killed by the second SIGTERM", h.Cmd.ProcessState)
	}
}

// TestExitsWhenParentDies starts sigrpc from an intermediate shell that
// then exits, while the test keeps sigrpc's stdin open.
func TestExitsWhenParentDies(t *testing.T) {
	g := startGrandchild(t, binPath)
	// Once sigrpc answers, it is serving, and watching its parent.
	g.Call(t, `{"jsonrpc":"2.0","id":1,"method":"signum","params":["INT"]}`)
	g.orphan(t) // sigrpc is orphaned but its stdin stays open
	g.waitExit(t, 10*time.Second)
}

// TestParentDeathEndsAStalledHelper: the helper's parent exits while its
// output is stalled and its stdin held open by someone else: it exits
// within 5 s.
func TestParentDeathEndsAStalledHelper(t *testing.T) {
	t.Parallel()
	g := startGrandchild(t, plainBinPath)
	go fillOutput(g.stdin)
	spawn.WaitFor(t, "the output pipe to fill", func() bool { return outputFull(t, g.pid) })
	g.orphan(t) // the parent exits; stdin stays open, stdout stays full
	start := time.Now()
	g.waitExit(t, 20*time.Second) // at once, but a loaded machine is slow
	t.Logf("exited %v after its parent", time.Since(start))
}

// TestLostReaderEndsTheHelper: the client closes its end of sigrpc's
// stdout while a wait is pending, its stdin still open and its parent
// alive: nobody can read the answer, so sigrpc cancels the wait and exits
// at once, not when the wait's minute is up. This is also what ends a
// helper whose parent died before sigrpc could start watching it.
func TestLostReaderEndsTheHelper(t *testing.T) {
	t.Parallel()
	h := startHelper(t)
	c := spawn.Sleep(t, false)
	h.Send(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"wait","params":[%d,60000]}`+"\n", c.Pid))
	h.Call(t, `{"jsonrpc":"2.0","id":"probe","method":"signum","params":["INT"]}`) // the wait has started
	start := time.Now()
	h.Stdout.Close()
	code := waitExit(t, h)
	if took := time.Since(start); took > 30*time.Second { // far from the wait's minute, loose for a loaded machine
		t.Fatalf("exited %v after its reader left, want well before the wait's minute", took)
	}
	if code != exitFailure {
		t.Fatalf("exit status %d, want %d: the wait's answer could not be written", code, exitFailure)
	}
	c.AssertUntouched(t)
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
	c := spawn.Sleep(t, false)
	h := spawn.Start(t, spawn.Options{Stdin: theirs, Stdout: theirs}, binPath)
	fmt.Fprintf(ours, `{"jsonrpc":"2.0","id":1,"method":"wait","params":[%d,300]}`+"\n", c.Pid)
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
	if code := waitExit(t, h); code != 0 {
		t.Fatalf("exit status %d; stderr %q", code, h.Stderr)
	}
	c.AssertUntouched(t)
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
// stdin stays open. The test holds it through a pidfd from the start.
type grandchild struct {
	*testio.Conn           // on sigrpc's stdin and stdout
	stdin, stdout *os.File // the test's ends of them
	sh            *spawn.Proc
	pid, pidfd    int // sigrpc's
}

// startGrandchild starts the sigrpc at path as a grandchild. When the test
// ends, its stdin is closed; it is killed if it has not exited 10 s later.
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
	// The shell starts sigrpc in the background on the pipes, prints its
	// pid, and exits when its own stdin closes.
	sh := spawn.Start(t, spawn.Options{ExtraFiles: []*os.File{inR, outW}}, "sh", "-c", `"$0" <&3 >&4 2>/dev/null & echo $!; read _`, path)
	pid, err := strconv.Atoi(sh.Next(t))
	if err != nil {
		t.Fatalf("reading sigrpc's pid: %v", err)
	}
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		t.Fatalf("pidfd_open %d: %v", pid, err)
	}
	if ppid, _ := proctest.Parent(pid); ppid != sh.Pid {
		unix.Close(pidfd)
		t.Fatalf("process %d is not the shell's child", pid)
	}
	g := &grandchild{Conn: testio.NewConn(inW, outR), stdin: inW, stdout: outR, sh: sh, pid: pid, pidfd: pidfd}
	t.Cleanup(func() {
		inW.Close()
		if !g.exited(10 * time.Second) {
			unix.PidfdSendSignal(pidfd, unix.SIGKILL, nil, 0) // our own helper: do not leave it behind
			t.Errorf("sigrpc did not exit within 10 s of its stdin closing")
		}
		unix.Close(pidfd)
		outR.Close()
	})
	return g
}

// orphan makes the shell exit, and reaps it.
func (g *grandchild) orphan(t *testing.T) {
	t.Helper()
	g.sh.Stdin.Close()
	g.sh.Wait(t)
}

// exited reports whether sigrpc exits within d.
func (g *grandchild) exited(d time.Duration) bool {
	fds := []unix.PollFd{{Fd: int32(g.pidfd), Events: unix.POLLIN}}
	for deadline := time.Now().Add(d); ; {
		n, err := unix.Poll(fds, int(time.Until(deadline).Milliseconds()))
		switch {
		case n > 0:
			return true
		case err == unix.EINTR:
		case err != nil || time.Now().After(deadline):
			return false
		}
	}
}

// waitExit waits up to d for sigrpc to exit, failing the test after it.
func (g *grandchild) waitExit(t *testing.T, d time.Duration) {
	t.Helper()
	if !g.exited(d) {
		t.Fatalf("sigrpc still running %v after its parent died", d)
	}
}

// TestThousandPendingWaitsUseFewThreads: waits park goroutines on the
// runtime poller, not threads: 1,000 pending waits take at most 64
// threads and one descriptor each, hold up no other request, and each
// answers once when the process ends.
func TestThousandPendingWaitsUseFewThreads(t *testing.T) {
	t.Parallel()
	c := spawn.Sleep(t, false)
	h := startPlain(t)
	base := openFDs(t, h.Pid)
	var in strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&in, `{"jsonrpc":"2.0","id":%d,"method":"wait","params":{"pid":%d,"timeout_ms":60000}}`+"\n", i, c.Pid)
	}
	h.Send(t, in.String())
	spawn.WaitFor(t, "1000 waits to be pending", func() bool { return openFDs(t, h.Pid) >= base+1000 })
	threads, fds := procStatus(t, h.Pid, "Threads"), openFDs(t, h.Pid)
	t.Logf("1000 pending waits: %d threads, %d descriptors (%d before)", threads, fds, base)
	if threads > 64 {
		t.Errorf("%d threads for 1000 pending waits, want at most 64", threads)
	}
	if fds > base+1000+8 {
		t.Errorf("%d descriptors for 1000 pending waits (%d before), want about one each", fds, base)
	}
	if got := h.Call(t, `{"jsonrpc":"2.0","id":"probe","method":"signum","params":["INT"]}`); got != `{"jsonrpc":"2.0","id":"probe","result":2}` {
		t.Fatalf("probe behind 1000 waits: %s", got)
	}
	c.Signal(syscall.SIGKILL)
	seen := map[string]bool{}
	for range 1000 {
		if got := h.Next(t); !strings.HasSuffix(got, `"result":{"exited":true}}`) || seen[got] {
			t.Fatalf("wait answered %s", got)
		} else {
			seen[got] = true
		}
	}
}

// TestDeclaredLengthIsNotAllocated: with a limit of 2^62 bytes, a header
// declaring 2^40 bytes allocates nothing up front: the buffer grows with
// the bytes that arrive.
func TestDeclaredLengthIsNotAllocated(t *testing.T) {
	t.Parallel()
	h := startPlain(t, "--framing", "lsp", "--max-message-bytes", "4611686018427387904")
	h.Send(t, "Content-Length: 1099511627776\r\n\r\n"+strings.Repeat("x", 1<<20))
	spawn.WaitFor(t, "the helper to read the first MiB", func() bool { return pipeBytes(t, h.Stdin) == 0 })
	if hwm := procStatus(t, h.Pid, "VmHWM"); hwm > 64<<10 {
		t.Fatalf("peak memory %d KiB after a header declaring 1 TiB", hwm)
	}
	h.Stdin.Close()
	if got := readFramed(t, h, "lsp"); !strings.Contains(got, "truncated message") {
		t.Fatalf("at the end of input: %q, want a truncated message error", got)
	}
	if code := waitExit(t, h); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

// cpuTime returns the CPU time pid has used, from /proc/<pid>/stat.
func cpuTime(t *testing.T, pid int) time.Duration {
	t.Helper()
	fields := proctest.Stat(pid)
	if fields == nil {
		t.Fatalf("process %d is gone", pid)
	}
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
			h := startPlain(t, "--spin", "1ms")
			req := `{"jsonrpc":"2.0","id":1,"method":"signum","params":["TERM"]}`
			h.Call(t, req) // started
			cpu0, start := cpuTime(t, h.Pid), time.Now()
			n := 0
			for next := start; time.Since(start) < 2*time.Second; n++ {
				h.Call(t, req)
				next = next.Add(every)
				time.Sleep(time.Until(next)) // the client's pace
			}
			share := float64(cpuTime(t, h.Pid)-cpu0) / float64(time.Since(start))
			t.Logf("a request every %v (%d in all): the helper used %.0f%% of a CPU", every, n, 100*share)
			if share > 0.5 {
				t.Fatalf("the helper used %.0f%% of a CPU, want well under half", 100*share)
			}
		})
	}
}

// TestEndOfInputFinishesWhatWasRead: a one-shot client (printf ... |
// sigrpc) gets what it asked for: the end of input cancels nothing. A
// wait runs to its timeout, a wait sees an exit after the end of input,
// and terminate escalates, before sigrpc exits 0.
func TestEndOfInputFinishesWhatWasRead(t *testing.T) {
	t.Run("wait runs to its timeout", func(t *testing.T) {
		t.Parallel()
		c := spawn.Sleep(t, false)
		start := time.Now()
		out, stderr, code := runBinary(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"wait","params":{"pid":%d,"timeout_ms":300}}`+"\n", c.Pid))
		took := time.Since(start)
		if out != `{"jsonrpc":"2.0","id":1,"result":{"exited":false}}`+"\n" || code != 0 {
			t.Fatalf("got %q, exit %d (stderr %q)", out, code, stderr)
		}
		if took < 300*time.Millisecond {
			t.Fatalf("answered after %v, before the 300 ms wait was over", took)
		}
		c.AssertUntouched(t)
	})
	t.Run("wait sees the exit after end of input", func(t *testing.T) {
		t.Parallel()
		h := startHelper(t)
		c := spawn.Sleep(t, false)
		h.Send(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"wait","params":[%d,60000]}`+"\n", c.Pid))
		h.Call(t, `{"jsonrpc":"2.0","id":"probe","method":"signum","params":["INT"]}`) // the wait has started
		h.Stdin.Close()
		c.Signal(syscall.SIGKILL)
		if got := h.Next(t); got != `{"jsonrpc":"2.0","id":1,"result":{"exited":true}}` {
			t.Fatalf("wait after EOF: %s", got)
		}
		if code := waitExit(t, h); code != 0 {
			t.Fatalf("exit %d", code)
		}
	})
	t.Run("terminate escalates", func(t *testing.T) {
		t.Parallel()
		c := spawn.Script(t, nil, `trap "" TERM; exec sleep 1000`)
		out, stderr, code := runBinary(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"terminate","params":{"pid":%d,"timeout_ms":100}}`+"\n", c.Pid))
		var r struct {
			Result *struct{ Exited, Escalated bool }
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil || r.Result == nil || code != 0 {
			t.Fatalf("got %q, exit %d (stderr %q)", out, code, stderr)
		}
		if !r.Result.Escalated || !r.Result.Exited {
			t.Fatalf("terminate = %+v, want escalated and exited", *r.Result)
		}
		if sig := c.TerminatedBy(t); sig != syscall.SIGKILL {
			t.Fatalf("ended by %v, want SIGKILL", sig)
		}
	})
}
