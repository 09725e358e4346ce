//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sigrpc/sigrpc/internal/conformance"
	"github.com/sigrpc/sigrpc/internal/service"
	"github.com/sigrpc/sigrpc/internal/spawn"
	"github.com/sigrpc/sigrpc/internal/testio"
	"github.com/sigrpc/sigrpc/internal/version"
	"github.com/sigrpc/sigrpc/rpc"
)

// TestConformanceVectors runs the shared vectors through the binary, as
// the Python and Node clients do: with stdin closed after the input, and
// kept open (internal/conformance runs both).
func TestConformanceVectors(t *testing.T) {
	t.Parallel()
	conformance.Runner{Exchange: binaryExchange, Check: func(t *testing.T, method string, result json.RawMessage) {
		t.Helper()
		if err := results.Check(method, result); err != nil {
			t.Error(err)
		}
	}}.Run(t, "../../rpc/testdata/conformance.json")
}

// binaryExchange starts sigrpc with args and writes input to its stdin,
// which it keeps open until End.
func binaryExchange(t *testing.T, args []string, input string) conformance.Server {
	b := &binaryServer{t: t, h: startHelper(t, args...), out: &testio.SyncBuffer{}, read: make(chan struct{})}
	go func() {
		io.Copy(b.out, b.h.Stdout)
		close(b.read)
	}()
	b.h.Send(t, input)
	return b
}

// binaryServer is a sigrpc of binaryExchange's.
type binaryServer struct {
	t    *testing.T
	h    *spawn.Proc
	out  *testio.SyncBuffer
	read chan struct{} // closed at the end of its stdout
}

func (b *binaryServer) Output(n int, d time.Duration) string { return b.out.WaitFor(n, d) }

// End closes stdin; sigrpc must exit 0 and close its stdout.
func (b *binaryServer) End() (string, error) {
	b.h.Stdin.Close()
	code := waitExit(b.t, b.h)
	select {
	case <-b.read:
	case <-time.After(10 * time.Second):
		return b.out.String(), fmt.Errorf("stdout still open 10 s after sigrpc exited")
	}
	if code != 0 {
		return b.out.String(), fmt.Errorf("exit status %d; stderr %q", code, b.h.Stderr)
	}
	return b.out.String(), nil
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

// TestPolicyRefusesSelfAndSendsNothing: the helper protects its own pid
// (the policy's Self, which only the binary sets to its pid).
func TestPolicyRefusesSelfAndSendsNothing(t *testing.T) {
	h := startHelper(t)
	if got := h.Call(t, killRequest(h.Pid, "TERM")); got != refusal("self") {
		t.Fatalf("got %s, want %s", got, refusal("self"))
	}
	if got := h.Call(t, killRequest(h.Pid, "NONE")); got != sent {
		t.Fatalf("NONE to self: %s", got)
	}
}

func TestSIGTERMDrainsAndExitsZero(t *testing.T) {
	h := startHelper(t)
	catchStopSignals(t, h)
	if got := h.Call(t, `{"jsonrpc":"2.0","id":1,"method":"signum","params":["INT"]}`); got != `{"jsonrpc":"2.0","id":1,"result":2}` {
		t.Fatalf("got %s", got)
	}
	h.Signal(syscall.SIGTERM)
	if code := waitExit(t, h); code != 0 {
		t.Fatalf("exit %d after SIGTERM, want 0", code)
	}
}

func TestClosedStdoutExitsNonZero(t *testing.T) {
	h := startHelper(t)
	h.Stdout.Close() // nobody will ever read a response
	go func() {
		for {
			if _, err := io.WriteString(h.Stdin, `{"jsonrpc":"2.0","id":1,"method":"signum","params":["INT"]}`+"\n"); err != nil {
				return
			}
		}
	}()
	ps := h.Wait(t)
	if ws := ps.Sys().(syscall.WaitStatus); ws.Signaled() || ws.ExitStatus() == 0 {
		t.Fatalf("sigrpc ended with %v; want a non-zero exit, not a signal", ps)
	}
	if !strings.Contains(h.Stderr.String(), "broken pipe") {
		t.Errorf("stderr %q does not say why", h.Stderr)
	}
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
