//go:build linux

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sigrpc/sigrpc/internal/spawn"
)

// These tests run the binary with --audit (the race build, binPath) and
// read the trail it writes. They signal only sleeps they start, and send
// the null signal to a pid above the kernel's largest pid_max (2^22),
// which no process can have.

// auditAbsent is a pid no process can have.
const auditAbsent = 1 << 30

// auditEntry is one line of the trail as a test reads it: declared apart
// from auditLine, so that a name changed in the format fails the tests.
type auditEntry struct {
	Time       string `json:"time"`
	Method     string `json:"method"`
	PID        int    `json:"pid"`
	StartTime  string `json:"start_time"`
	Comm       string `json:"comm"`
	UID        *int   `json:"uid"`
	Signal     string `json:"signal"`
	Outcome    string `json:"outcome"`
	Reason     string `json:"reason"`
	Errno      string `json:"errno"`
	Detail     string `json:"detail"`
	Tree       int    `json:"tree"`
	Escalation bool   `json:"escalation"`
	ClientPID  int    `json:"client_pid"`
	PeerPID    *int   `json:"peer_pid"`
	PeerUID    *int   `json:"peer_uid"`
	HelperPID  int    `json:"helper_pid"`
}

// auditTime is the form of a line's time: RFC 3339, UTC, nine digits of
// nanoseconds.
var auditTime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$`)

// readAudit returns the lines of the trail at path, failing the test on
// a line that is not one JSON object of the trail's members alone.
func readAudit(t *testing.T, path string) []auditEntry {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the audit log: %v", err)
	}
	return parseAudit(t, string(b))
}

// parseAudit parses the trail's lines in s.
func parseAudit(t *testing.T, s string) []auditEntry {
	t.Helper()
	var entries []auditEntry
	for line := range strings.Lines(s) {
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		var e auditEntry
		if err := dec.Decode(&e); err != nil || !strings.HasSuffix(line, "}\n") {
			t.Fatalf("audit line %q: %v", line, err)
		}
		if !auditTime.MatchString(e.Time) {
			t.Errorf("audit line %q: time %q is not RFC 3339 with nanoseconds, in UTC", line, e.Time)
		}
		entries = append(entries, e)
	}
	return entries
}

// short describes an entry as the tests compare it.
func (e auditEntry) short() string {
	s := fmt.Sprintf("%s %d %s %s", e.Method, e.PID, e.Signal, e.Outcome)
	for _, extra := range []string{e.Reason, e.Errno, e.Detail} {
		if extra != "" {
			s += " " + extra
		}
	}
	return s
}

// auditCallLine is the ndjson request of method with params.
func auditCallLine(id int, method, params string) string {
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":%q,"params":%s}`, id, method, params)
}

// TestAuditLogRecordsEachSignalBeforeItsAnswer: with --audit, every kill
// and terminate signal, sent, refused or failed, NONE included, is one
// line of the log, which is there by the time its answer is read; inspect,
// wait and the like write none. Each line describes the target and names
// the client (the helper's parent: the test) and the helper.
func TestAuditLogRecordsEachSignalBeforeItsAnswer(t *testing.T) {
	sleeper := spawn.Sleep(t, false)
	path := filepath.Join(t.TempDir(), "audit.log")
	h := spawn.Start(t, spawn.Options{}, binPath, "--audit", path)
	steps := []struct {
		req, answer, line string
	}{
		{auditCallLine(1, "kill", fmt.Sprintf(`[%d,"NONE"]`, sleeper.Pid)), `{"jsonrpc":"2.0","id":1,"result":true}`,
			fmt.Sprintf("kill %d NONE sent", sleeper.Pid)},
		{auditCallLine(2, "kill", `[1,"TERM"]`), `{"jsonrpc":"2.0","id":2,"error":{"code":-32001,"message":"refused by policy: init","data":{"reason":"init"}}}`,
			"kill 1 TERM refused init"},
		{auditCallLine(3, "kill", fmt.Sprintf(`[%d,"NONE"]`, auditAbsent)), `{"jsonrpc":"2.0","id":3,"error":{"code":-32000,"message":"No such process","data":{"errno":"ESRCH","errnum":3}}}`,
			fmt.Sprintf("kill %d NONE error ESRCH", auditAbsent)},
		{auditCallLine(4, "inspect", fmt.Sprintf(`[%d]`, sleeper.Pid)), "", ""},
		{auditCallLine(5, "kill", `[-1,"KILL"]`), `{"jsonrpc":"2.0","id":5,"error":{"code":-32001,"message":"refused by policy: broadcast","data":{"reason":"broadcast"}}}`,
			"kill -1 KILL refused broadcast"},
		{auditCallLine(6, "terminate", fmt.Sprintf(`{"pid":%d,"timeout_ms":10000}`, sleeper.Pid)), "",
			fmt.Sprintf("terminate %d TERM sent", sleeper.Pid)},
		{auditCallLine(7, "wait", fmt.Sprintf(`[%d,0]`, sleeper.Pid)), `{"jsonrpc":"2.0","id":7,"result":{"exited":true}}`, ""},
	}
	var want []string
	for _, s := range steps {
		got := h.Call(t, s.req)
		if s.answer != "" && got != s.answer {
			t.Fatalf("%s answered %s, want %s", s.req, got, s.answer)
		}
		if s.line != "" {
			want = append(want, s.line)
		}
		// The line was written before the answer.
		var lines []string
		for _, e := range readAudit(t, path) {
			lines = append(lines, e.short())
		}
		if strings.Join(lines, "\n") != strings.Join(want, "\n") {
			t.Fatalf("after the answer to %s, the log holds\n%s\nwant\n%s", s.req, strings.Join(lines, "\n"), strings.Join(want, "\n"))
		}
	}
	if sig := sleeper.TerminatedBy(t); sig != syscall.SIGTERM {
		t.Errorf("the sleep ended by %v, want TERM", sig)
	}
	for _, e := range readAudit(t, path) {
		if e.ClientPID != os.Getpid() || e.HelperPID != h.Pid {
			t.Errorf("%s: client_pid %d, helper_pid %d; want %d, %d", e.short(), e.ClientPID, e.HelperPID, os.Getpid(), h.Pid)
		}
		described := e.PID == sleeper.Pid
		if described != (e.UID != nil) || described != (e.Comm == "sleep") || described != (e.StartTime != "") {
			t.Errorf("%s: uid %v, comm %q, start_time %q; want the sleep described, and nothing else", e.short(), e.UID, e.Comm, e.StartTime)
		}
		if described && *e.UID != os.Getuid() {
			t.Errorf("%s: uid %d, want %d", e.short(), *e.UID, os.Getuid())
		}
	}
	h.Stdin.Close()
	if code := h.Wait(t).ExitCode(); code != 0 {
		t.Errorf("exit status %d, stderr %q", code, h.Stderr)
	}
}

// TestAuditLogNamesASocketsPeer: when stdin is a Unix socket (a helper
// a service manager starts for each connection), each line names the
// process at its other end, and its uid; on pipes, it names none.
func TestAuditLogNamesASocketsPeer(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	ours := os.NewFile(uintptr(fds[0]), "client end")
	defer ours.Close()
	theirs := os.NewFile(uintptr(fds[1]), "helper end")
	dup, err := unix.Dup(fds[1])
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "audit.log")
	h := spawn.Start(t, spawn.Options{Stdin: theirs, Stdout: os.NewFile(uintptr(dup), "helper end, again")}, binPath, "--audit", path)
	if _, err := ours.WriteString(auditCallLine(1, "kill", fmt.Sprintf(`[%d,"NONE"]`, auditAbsent)) + "\n"); err != nil {
		t.Fatal(err)
	}
	answer, err := bufio.NewReader(ours).ReadString('\n')
	if err != nil || !strings.Contains(answer, "ESRCH") {
		t.Fatalf("answer %q, %v; stderr %q", answer, err, h.Stderr)
	}
	unix.Shutdown(fds[0], unix.SHUT_WR)
	if code := h.Wait(t).ExitCode(); code != 0 {
		t.Errorf("exit status %d; stderr %q", code, h.Stderr)
	}
	lines := readAudit(t, path)
	if len(lines) != 1 || lines[0].PeerPID == nil || *lines[0].PeerPID != os.Getpid() || lines[0].PeerUID == nil || *lines[0].PeerUID != os.Getuid() {
		t.Fatalf("lines %+v, want one naming the peer %d, uid %d", lines, os.Getpid(), os.Getuid())
	}
}

// TestAuditLogOnStderr: --audit - writes the lines to stderr, and on
// pipes names no peer.
func TestAuditLogOnStderr(t *testing.T) {
	_, stderr, code := spawn.Run(t, spawn.Options{}, auditCallLine(1, "kill", fmt.Sprintf(`[%d,"NONE"]`, auditAbsent))+"\n", binPath, "--audit", "-")
	if code != 0 {
		t.Fatalf("exit status %d, stderr %q", code, stderr)
	}
	if got := parseAudit(t, stderr); len(got) != 1 || got[0].short() != fmt.Sprintf("kill %d NONE error ESRCH", auditAbsent) || got[0].PeerPID != nil {
		t.Errorf("stderr %q, want the one line", stderr)
	}
}

// TestAuditLogThatCannotBeOpenedRefusesToStart: a log that cannot be
// opened (a missing directory; a symbolic link, which a privileged helper
// must not follow; a FIFO nobody reads) and bad --audit-failure flags are
// exit 2, with a message, before anything is served.
func TestAuditLogThatCannotBeOpenedRefusesToStart(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("untouched\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	fifo := filepath.Join(dir, "fifo")
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"--audit", filepath.Join(dir, "missing", "audit.log")}, "no such file or directory; refusing to start unaudited"},
		{[]string{"--audit", link}, "symbolic link is refused"},
		{[]string{"--audit", fifo}, "a FIFO with no reader"},
		{[]string{"--audit", "-", "--audit-failure", "ignore"}, `bad --audit-failure "ignore"`},
		{[]string{"--audit-failure", "continue"}, "--audit-failure needs --audit"},
	} {
		stdout, stderr, code := spawn.Run(t, spawn.Options{}, auditCallLine(1, "signum", `["TERM"]`)+"\n", binPath, c.args...)
		if code != exitBadUsage || stdout != "" || !strings.Contains(stderr, c.says) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2, nothing served, and %q", c.args, code, stdout, stderr, c.says)
		}
	}
	if b, _ := os.ReadFile(victim); string(b) != "untouched\n" {
		t.Errorf("the symbolic link's target holds %q", b)
	}
}

// TestAuditLogFullDisk: a log whose writes fail (/dev/full: ENOSPC). By
// default (--audit-failure stop) the request whose line failed is still
// answered truthfully, what follows in its batch sends nothing (ECANCELED,
// "the audit log failed"), the helper says why on stderr, with the line
// it lost, and exits 1 with its input still open. With continue, it
// answers everything, reports the loss and how many lines it lost, and
// exits 0 at the end of its input.
func TestAuditLogFullDisk(t *testing.T) {
	t.Run("stop", func(t *testing.T) {
		sleeper := spawn.Sleep(t, false)
		h := spawn.Start(t, spawn.Options{}, binPath, "--audit", "/dev/full")
		batch := fmt.Sprintf(`[%s,%s]`, auditCallLine(1, "kill", fmt.Sprintf(`[%d,"NONE"]`, sleeper.Pid)), auditCallLine(2, "kill", fmt.Sprintf(`[%d,"TERM"]`, sleeper.Pid)))
		got := h.Call(t, batch)
		want := `[{"jsonrpc":"2.0","id":1,"result":true},{"jsonrpc":"2.0","id":2,"error":{"code":-32000,"message":"Operation canceled","data":{"errno":"ECANCELED","errnum":125,"reason":"the audit log failed"}}}]`
		if got != want {
			t.Errorf("the batch answered %s, want %s", got, want)
		}
		if code := h.Wait(t).ExitCode(); code != exitFailure {
			t.Errorf("exit status %d, want 1", code)
		}
		stderr := h.Stderr.String()
		for _, says := range []string{"audit log /dev/full: write: no space left on device", fmt.Sprintf(`"pid":%d,`, sleeper.Pid), "stopping: sigrpc sends nothing more (--audit-failure stop)"} {
			if !strings.Contains(stderr, says) {
				t.Errorf("stderr %q lacks %q", stderr, says)
			}
		}
		sleeper.AssertUntouched(t)
	})
	t.Run("continue", func(t *testing.T) {
		input := auditCallLine(1, "kill", fmt.Sprintf(`[%d,"NONE"]`, auditAbsent)) + "\n" + auditCallLine(2, "kill", `[1,"TERM"]`) + "\n"
		stdout, stderr, code := spawn.Run(t, spawn.Options{}, input, binPath, "--audit", "/dev/full", "--audit-failure", "continue")
		if code != 0 || strings.Count(stdout, "\n") != 2 {
			t.Errorf("exit status %d, stdout %q; want both answered, and 0", code, stdout)
		}
		for _, says := range []string{"no space left on device; lines are being lost (--audit-failure continue)", "audit log /dev/full: 2 lines lost in all"} {
			if !strings.Contains(stderr, says) {
				t.Errorf("stderr %q lacks %q", stderr, says)
			}
		}
	})
}

// slowAuditLog makes a FIFO whose reader, held by the test, reads
// nothing until told, with the smallest pipe buffer (a page), so that a
// few lines fill it and the next write hangs. It returns the FIFO's path
// and a function that reads what the FIFO holds now, without waiting.
func slowAuditLog(t *testing.T) (string, func() string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.fifo")
	if err := unix.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETPIPE_SZ, os.Getpagesize()); err != nil {
		t.Fatalf("F_SETPIPE_SZ: %v", err)
	}
	buf := make([]byte, 1<<16)
	return path, func() string {
		var b strings.Builder
		for {
			n, err := unix.Read(fd, buf)
			if n <= 0 || err != nil {
				return b.String()
			}
			b.Write(buf[:n])
		}
	}
}

// TestAuditLogThatHangs: a log whose writes hang (a FIFO nobody reads)
// holds no request up for long. With continue, one send waits the 1 s
// bound, the rest lose their lines at once while the write hangs, and the
// loss is reported; once the reader reads, lines are written again, whole.
// With stop, the helper stops within the bound and exits 1.
func TestAuditLogThatHangs(t *testing.T) {
	t.Parallel()
	const calls = 60 // lines of about 150 bytes: a page holds 27
	kill := func(id int) string { return auditCallLine(id, "kill", fmt.Sprintf(`[%d,"NONE"]`, auditAbsent)) }
	t.Run("continue", func(t *testing.T) {
		path, drain := slowAuditLog(t)
		h := spawn.Start(t, spawn.Options{}, binPath, "--audit", path, "--audit-failure", "continue")
		start := time.Now()
		for id := range calls {
			if got := h.Call(t, kill(id)); !strings.Contains(got, `"errno":"ESRCH"`) {
				t.Fatalf("answer %s", got)
			}
		}
		if d := time.Since(start); d > 2*auditWriteTimeout+time.Second {
			t.Errorf("%d calls took %v: a hung log held them up", calls, d)
		}
		spawn.WaitFor(t, "the loss to be reported", func() bool {
			return strings.Contains(h.Stderr.String(), "a write did not finish within 1s; lines are being lost")
		})
		// Reading what the pipe holds lets the hung write finish; the
		// next line is written, and the log said to be written again.
		var got strings.Builder
		spawn.WaitFor(t, "the log to be written again", func() bool {
			got.WriteString(drain())
			if strings.Contains(h.Stderr.String(), "written again;") {
				return true
			}
			h.Call(t, kill(calls))
			return false
		})
		h.Stdin.Close()
		h.Wait(t)
		got.WriteString(drain())
		lines := parseAudit(t, got.String())
		if len(lines) < 2 || len(lines) >= calls {
			t.Errorf("%d lines written of %d: want some, and some lost", len(lines), calls+1)
		}
		if !strings.Contains(h.Stderr.String(), "lines lost in all") {
			t.Errorf("stderr %q does not count the lost lines", h.Stderr)
		}
	})
	t.Run("stop", func(t *testing.T) {
		path, _ := slowAuditLog(t)
		h := spawn.Start(t, spawn.Options{}, binPath, "--audit", path)
		sc := bufio.NewScanner(h.Stdout)
		start := time.Now()
		// Write every request at once; the helper stops reading once the
		// log hangs, so the writes go on in the background.
		go func() {
			for id := range calls {
				if _, err := h.Stdin.WriteString(kill(id) + "\n"); err != nil {
					return
				}
			}
		}()
		answered := 0
		for sc.Scan() {
			answered++
		}
		if code := h.Wait(t).ExitCode(); code != exitFailure {
			t.Errorf("exit status %d, want 1", code)
		}
		if d := time.Since(start); d > auditWriteTimeout+3*time.Second {
			t.Errorf("the helper took %v to stop", d)
		}
		if !strings.Contains(h.Stderr.String(), "a write did not finish within 1s; the line not written: {") || answered == 0 {
			t.Errorf("answered %d of %d; stderr %q", answered, calls, h.Stderr)
		}
	})
}

// TestSIGHUPReopensTheAuditLog: SIGHUP makes the helper open its log
// again by its path, as after a rotation: lines go to the new file and
// the old one keeps what it had. SIGHUP does not end the helper, with or
// without --audit.
func TestSIGHUPReopensTheAuditLog(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.log")
	h := spawn.Start(t, spawn.Options{}, binPath, "--audit", path)
	plain := spawn.Start(t, spawn.Options{}, binPath)
	// With --audit, SIGHUP is caught before the first request is read;
	// without, with the other signals caught late, for which tree calls
	// wait: a tree call's answer says it is caught.
	probe := auditCallLine(0, "terminate", fmt.Sprintf(`{"pid":%d,"tree":true}`, auditAbsent))
	if got := plain.Call(t, probe); !strings.Contains(got, "ESRCH") {
		t.Fatalf("terminate(tree) of an absent pid: %s", got)
	}
	kill := auditCallLine(1, "kill", fmt.Sprintf(`[%d,"NONE"]`, auditAbsent))
	h.Call(t, kill)
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	h.Call(t, kill) // still to the rotated file, until SIGHUP
	for _, p := range []*spawn.Proc{h, plain} {
		if err := p.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
	}
	spawn.WaitFor(t, "the log to be reopened", func() bool { _, err := os.Stat(path); return err == nil })
	h.Call(t, kill)
	if n := len(readAudit(t, path+".1")); n != 2 {
		t.Errorf("the rotated log holds %d lines, want 2", n)
	}
	if n := len(readAudit(t, path)); n != 1 {
		t.Errorf("the reopened log holds %d lines, want 1", n)
	}
	for _, p := range []*spawn.Proc{h, plain} {
		if got := p.Call(t, auditCallLine(2, "signum", `["HUP"]`)); got != `{"jsonrpc":"2.0","id":2,"result":1}` {
			t.Errorf("after SIGHUP: %s", got)
		}
		p.Stdin.Close()
		if code := p.Wait(t).ExitCode(); code != 0 {
			t.Errorf("exit status %d after SIGHUP and the end of input; stderr %q", code, p.Stderr)
		}
	}
}

// TestAuditedHelperCatchesEveryStopSignalFirst: with --audit, every stop
// signal is caught before the first request is read, so that no signal's
// default action can end the helper between a send and its line. QUIT,
// one of the signals an unaudited helper catches only once a session
// lasts, sent as soon as the first answer is read, stops it in order:
// exit 0, the line written.
func TestAuditedHelperCatchesEveryStopSignalFirst(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "audit.log")
	h := spawn.Start(t, spawn.Options{}, binPath, "--audit", path)
	h.Call(t, auditCallLine(1, "kill", fmt.Sprintf(`[%d,"NONE"]`, auditAbsent)))
	h.Signal(syscall.SIGQUIT)
	if ps := h.Wait(t); ps.ExitCode() != exitOK {
		t.Fatalf("ended with %v after QUIT, want exit status 0; stderr %q", ps, h.Stderr)
	}
	if n := len(readAudit(t, path)); n != 1 {
		t.Errorf("the log holds %d lines, want 1", n)
	}
}
