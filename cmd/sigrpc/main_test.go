//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sigrpc/sigrpc/internal/conformance"
	"github.com/sigrpc/sigrpc/internal/service"
	"github.com/sigrpc/sigrpc/internal/version"
	"github.com/sigrpc/sigrpc/rpc"
)

// runBinary runs sigrpc with args and input, and returns its stdout,
// stderr and exit code. It fails the test after 20 s.
func runBinary(t *testing.T, input string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Stdin = strings.NewReader(input)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("sigrpc %v timed out", args)
	}
	if _, isExit := err.(*exec.ExitError); err != nil && !isExit {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()
}

func TestConformanceVectors(t *testing.T) {
	cases, err := conformance.Load("../../rpc/testdata/conformance.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, run := range conformance.Runs(cases) {
		if !run.OpenOnly {
			t.Run(run.Name, func(t *testing.T) {
				t.Parallel()
				out, stderr, code := runBinary(t, run.Input, run.Args...)
				if out != run.Output || code != 0 {
					t.Errorf("input  %q\ngot    %q (exit %d, stderr %q)\nwant   %q", run.Input, out, code, stderr, run.Output)
				}
			})
		}
		if !run.NeedsEOF {
			t.Run(run.Name+" [input open]", func(t *testing.T) {
				t.Parallel()
				runWithInputOpen(t, run)
			})
		}
	}
}

// runWithInputOpen runs a vector as a synchronous client does: it writes
// the input and waits for the answers with stdin still open, so an answer
// that waits for more input shows as a timeout. Then it closes stdin: the
// helper must exit 0, without writing anything more unless the input
// ends inside a message (OpenOnly), which is then answered too.
func runWithInputOpen(t *testing.T, run conformance.Run) {
	h := startHelper(t, run.Args...)
	h.send(t, run.Input)
	got := make([]byte, len(run.Output))
	read := make(chan error, 1)
	go func() { _, err := io.ReadFull(h.stdout, got); read <- err }()
	select {
	case err := <-read:
		if err != nil || string(got) != run.Output {
			t.Fatalf("with stdin open\ninput  %q\ngot    %q (%v)\nwant   %q", run.Input, got, err, run.Output)
		}
	case <-time.After(2 * time.Second):
		t.Fatalf("with stdin open, no complete answer within 2 s\ninput  %q\nwant   %q", run.Input, run.Output)
	}
	h.stdin.Close()
	rest, _ := io.ReadAll(h.stdout)
	if code, err := h.waitExit(t); err != nil || code != 0 || (len(rest) > 0 && !run.OpenOnly) {
		t.Fatalf("after stdin closed: exit %d (%v), more output %q", code, err, rest)
	}
}

// TestHelpListsEveryMethodAndFlag: --help lists every method of the
// table with an example request, and every flag spelled with two dashes.
func TestHelpListsEveryMethodAndFlag(t *testing.T) {
	out, _, code := runBinary(t, "", "--help")
	if code != 0 {
		t.Fatalf("--help exited %d", code)
	}
	for _, m := range append(service.Methods(nil), rpc.Method{Name: "rpc.discover"}) {
		if !strings.Contains(out, "\n  "+m.Name+"(") || !strings.Contains(out, `"method":"`+m.Name+`","params":`) {
			t.Errorf("--help lacks %s or an example of it", m.Name)
		}
	}
	for _, flag := range []string{"framing", "max-message-bytes", "allow-groups", "allow-uid", "descendants-only", "spin", "log-level", "version", "help"} {
		if !strings.Contains(out, "\n  --"+flag) {
			t.Errorf("--help lacks --%s", flag)
		}
		if strings.Contains(out, "\n  -"+flag) {
			t.Errorf("--help spells -%s with one dash", flag)
		}
	}
}

func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		code     int
		stdout   string // a substring
		stderrIn string // a substring
	}{
		{[]string{"--version"}, 0, "sigrpc " + version.Version, ""},
		{[]string{"--help"}, 0, `"method":"signum"`, ""},
		{[]string{"-h"}, 0, "--allow-groups", ""},
		{[]string{"--framing", "xml"}, 2, "", "unknown framing"},
		{[]string{"--bogus"}, 2, "", "bogus"},
		{[]string{"--max-message-bytes", "0"}, 2, "", "must be positive"},
		{[]string{"--log-level", "loud"}, 2, "", "log-level"},
		{[]string{"extra"}, 2, "", "unexpected argument"},
		{[]string{"--allow-uid", "root"}, 2, "", "not a uid"},
		{[]string{"--allow-groups", "--descendants-only"}, 2, "", "cannot be combined"},
		{[]string{"--help"}, 0, "--descendants-only", ""},
		{[]string{"--help"}, 0, "-spin duration", ""},
		{[]string{"--spin", "soon"}, 2, "", "spin"},
		{[]string{"--spin", "-1us"}, 2, "", "--spin must be between 0 and 1ms"},
		{[]string{"--spin", "2ms"}, 2, "", "--spin must be between 0 and 1ms"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, stderr, code := runBinary(t, "", tc.args...)
			if code != tc.code || !strings.Contains(out, tc.stdout) || !strings.Contains(stderr, tc.stderrIn) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q",
					code, out, stderr, tc.code, tc.stdout, tc.stderrIn)
			}
		})
	}
}

// Whether sigrpc watches stdin before sleeping (--spin) changes nothing
// about what it answers.
func TestPipelinedRequestsAreAllAnsweredAtEOF(t *testing.T) {
	var in strings.Builder
	for i := range 100 {
		fmt.Fprintf(&in, `{"jsonrpc":"2.0","id":%d,"method":"signum","params":["TERM"]}`+"\n", i)
	}
	for _, spin := range []string{"--spin=0", "--spin=50us", "--spin=1ms"} {
		out, _, code := runBinary(t, in.String(), spin)
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if code != 0 || len(lines) != 100 {
			t.Fatalf("%s: exit %d with %d responses; want 0 with 100", spin, code, len(lines))
		}
		for i, line := range lines {
			if want := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"result":15}`, i); line != want {
				t.Fatalf("%s: response %d = %s, want %s", spin, i, line, want)
			}
		}
	}
}

func TestKillSignalsAChild(t *testing.T) {
	h := startHelper(t)
	c := startChild(t, false)
	if got := h.call(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"kill","params":{"pid":%d,"signal":"NONE"}}`, c.pid())); got != `{"jsonrpc":"2.0","id":1,"result":true}` {
		t.Fatalf("NONE: %s", got)
	}
	c.assertUntouched(t)
	if got := h.call(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":2,"method":"kill","params":[%d,"SIGUSR1"]}`, c.pid())); got != `{"jsonrpc":"2.0","id":2,"result":true}` {
		t.Fatalf("USR1: %s", got)
	}
	if sig := c.terminatedBy(t); sig != syscall.SIGUSR1 {
		t.Fatalf("child ended by %v, want SIGUSR1", sig)
	}
	got := h.call(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":3,"method":"kill","params":[%d,0]}`, c.pid()))
	if want := `{"jsonrpc":"2.0","id":3,"error":{"code":-32000,"message":"No such process","data":{"errno":"ESRCH","errnum":3}}}`; got != want {
		t.Fatalf("after reaping: %s, want %s", got, want)
	}
}

func TestPolicyRefusesSelfAndSendsNothing(t *testing.T) {
	h := startHelper(t)
	pid := h.cmd.Process.Pid
	got := h.call(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"kill","params":[%d,"TERM"]}`, pid))
	if want := `{"jsonrpc":"2.0","id":1,"error":{"code":-32001,"message":"refused by policy: self","data":{"reason":"self"}}}`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	if got := h.call(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":2,"method":"kill","params":[%d,"NONE"]}`, pid)); got != `{"jsonrpc":"2.0","id":2,"result":true}` {
		t.Fatalf("NONE to self: %s", got)
	}
}

func TestPolicyRefusesGroupsAndSendsNothing(t *testing.T) {
	h := startHelper(t)
	c := startChild(t, true) // leads its own process group
	got := h.call(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"kill","params":[%d,"TERM"]}`, -c.pid()))
	if !strings.Contains(got, `"reason":"process-group"`) {
		t.Fatalf("got %s, want a process-group refusal", got)
	}
	c.assertUntouched(t)
}

func TestAllowGroupsSignalsAGroupTheTestCreated(t *testing.T) {
	h := startHelper(t, "--allow-groups")
	c := startChild(t, true)
	got := h.call(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"kill","params":[%d,"TERM"]}`, -c.pid()))
	if got != `{"jsonrpc":"2.0","id":1,"result":true}` {
		t.Fatalf("got %s", got)
	}
	if sig := c.terminatedBy(t); sig != syscall.SIGTERM {
		t.Fatalf("group leader ended by %v, want SIGTERM", sig)
	}
}

func TestSIGTERMDrainsAndExitsZero(t *testing.T) {
	h := startHelper(t)
	if got := h.call(t, `{"jsonrpc":"2.0","id":1,"method":"signum","params":["INT"]}`); got != `{"jsonrpc":"2.0","id":1,"result":2}` {
		t.Fatalf("got %s", got)
	}
	h.cmd.Process.Signal(syscall.SIGTERM)
	if code, err := h.waitExit(t); err != nil || code != 0 {
		t.Fatalf("exit %d (%v) after SIGTERM, want 0", code, err)
	}
}

func TestClosedStdoutExitsNonZero(t *testing.T) {
	cmd := exec.Command(binPath)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout.Close() // nobody will ever read a response
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	go func() {
		for {
			if _, err := io.WriteString(stdin, `{"jsonrpc":"2.0","id":1,"method":"signum","params":["INT"]}`+"\n"); err != nil {
				return
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("sigrpc did not exit within 10s of its stdout closing")
	}
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() || ws.ExitStatus() == 0 {
		t.Fatalf("sigrpc ended with %v; want a non-zero exit, not a signal", cmd.ProcessState)
	}
	if !strings.Contains(stderr.String(), "broken pipe") {
		t.Errorf("stderr %q does not say why", stderr.String())
	}
}

// TestExitsWhenParentDies starts sigrpc from an intermediate shell that
// then exits, while the test keeps sigrpc's stdin open.
func TestExitsWhenParentDies(t *testing.T) {
	g := startGrandchild(t, binPath)
	// Once sigrpc answers, it is serving, and watching its parent.
	io.WriteString(g.stdin, `{"jsonrpc":"2.0","id":1,"method":"signum","params":["INT"]}`+"\n")
	if _, err := bufio.NewReader(g.stdout).ReadString('\n'); err != nil {
		t.Fatalf("no answer from sigrpc: %v", err)
	}
	g.orphan() // sigrpc is orphaned but its stdin stays open
	// Orphans are reaped by init or a subreaper; gone or a zombie counts.
	waitFor(t, "sigrpc to exit after its parent", func() bool { return exitedOrZombie(g.pid) })
}

func TestDebugLogsGoToStderrOnly(t *testing.T) {
	out, stderr, code := runBinary(t, `{"jsonrpc":"2.0","id":1,"method":"signum","params":["INT"]}`+"\n", "--log-level", "debug")
	if code != 0 || out != `{"jsonrpc":"2.0","id":1,"result":2}`+"\n" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	if !strings.Contains(stderr, "method=signum") {
		t.Errorf("stderr %q does not log the request", stderr)
	}
}

func TestSignalsMatchesSignum(t *testing.T) {
	out, _, _ := runBinary(t, `{"jsonrpc":"2.0","id":1,"method":"signals"}`+"\n")
	var resp struct{ Result map[string]int }
	if err := json.Unmarshal([]byte(out), &resp); err != nil || len(resp.Result) < 30 {
		t.Fatalf("signals: %s (%v)", out, err)
	}
	var in strings.Builder
	for name := range resp.Result {
		fmt.Fprintf(&in, `{"jsonrpc":"2.0","id":%q,"method":"signum","params":[%q]}`+"\n", name, name)
		fmt.Fprintf(&in, `{"jsonrpc":"2.0","id":"n%d","method":"signame","params":[%d]}`+"\n", resp.Result[name], resp.Result[name])
	}
	out, _, _ = runBinary(t, in.String())
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var r struct {
			ID     string
			Result any
		}
		json.Unmarshal([]byte(line), &r)
		if strings.HasPrefix(r.ID, "n") {
			name, _ := r.Result.(string)
			if want := r.ID[1:]; strconv.Itoa(resp.Result[name]) != want {
				t.Errorf("signame(%s) = %v, which signals() does not map back", want, r.Result)
			}
		} else if n, _ := r.Result.(float64); int(n) != resp.Result[r.ID] {
			t.Errorf("signum(%s) = %v, signals() says %d", r.ID, r.Result, resp.Result[r.ID])
		}
	}
}
