package client

// What needs no helper: the mapping of the helper's errors, the JSON of
// Termination, the helper's command line.

import (
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/sourcegraph/jsonrpc2"
)

func TestMapError(t *testing.T) {
	t.Parallel()
	mapped := func(code int64, message, data string) error {
		e := &jsonrpc2.Error{Code: code, Message: message}
		if data != "" {
			raw := json.RawMessage(data)
			e.Data = &raw
		}
		return mapError("kill", e)
	}
	for _, tc := range []struct {
		err  error
		is   []error
		not  []error
		text string
	}{
		{mapped(-32000, "Operation not permitted", `{"errno":"EPERM","errnum":1}`),
			[]error{syscall.EPERM, os.ErrPermission}, []error{syscall.ESRCH, os.ErrProcessDone}, "sigrpc kill: operation not permitted"},
		{processError(mapped(-32000, "No such process", `{"errno":"ESRCH","errnum":3,"reason":"start_time mismatch"}`)),
			[]error{syscall.ESRCH, os.ErrProcessDone}, nil, "sigrpc kill: no such process (start_time mismatch)"},
		{processError(mapped(-32000, "Operation not permitted", `{"errno":"EPERM","errnum":1}`)),
			[]error{syscall.EPERM}, []error{os.ErrProcessDone}, "sigrpc kill: operation not permitted"},
		{mapped(-32000, "Resource temporarily unavailable", `{"errno":"EAGAIN","errnum":11,"reason":"too many blocking calls in flight"}`),
			[]error{syscall.EAGAIN}, nil, "sigrpc kill: resource temporarily unavailable (too many blocking calls in flight)"},
		{mapped(-32000, "odd", `"not an object"`), nil, []error{syscall.Errno(0)}, "sigrpc kill: odd (JSON-RPC error -32000)"},
		{mapped(-32001, "refused by policy: init", `{"reason":"init"}`), nil, []error{os.ErrPermission}, "sigrpc kill: refused by policy: init"},
		{mapped(-32002, "unsupported on this platform", ""), []error{errors.ErrUnsupported}, nil,
			"sigrpc kill: unsupported on this platform (JSON-RPC error -32002)"},
		{mapped(-32602, "unknown signal name", `{"signal":"X\ufffd","reason":"unknown-signal"}`), []error{ErrUnknownSignal}, nil,
			`sigrpc kill: unknown signal name "X` + "\ufffd" + `"`},
		{mapped(-32602, `invalid params: "pid" is required`, `{"param":"pid"}`), nil, []error{ErrUnknownSignal},
			`sigrpc kill: invalid params: "pid" is required`},
	} {
		if tc.err.Error() != tc.text {
			t.Errorf("%q, want %q", tc.err, tc.text)
		}
		for _, target := range tc.is {
			if !errors.Is(tc.err, target) {
				t.Errorf("%v does not match %v", tc.err, target)
			}
		}
		for _, target := range tc.not {
			if errors.Is(tc.err, target) {
				t.Errorf("%v matches %v", tc.err, target)
			}
		}
	}
}

func TestExitErrorText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  *ExitError
		text string
	}{
		{&ExitError{Closed: true}, "sigrpc: the helper exited: the client was closed"},
		{&ExitError{Stderr: "sigrpc: bad flag\n"}, "sigrpc: the helper exited; stderr: sigrpc: bad flag"},
	} {
		if tc.err.Error() != tc.text || !errors.Is(tc.err, ErrHelperExited) {
			t.Errorf("%q, want %q", tc.err, tc.text)
		}
	}
	var tl tail
	for i := range 3000 {
		tl.Write([]byte(strconv.Itoa(i%10) + "\n"))
	}
	if s := tl.String(); len(s) != stderrTail || s[len(s)-2:] != "9\n" {
		t.Errorf("tail of %d bytes ending %q", len(s), s[len(s)-2:])
	}
}

func TestTerminationJSON(t *testing.T) {
	t.Parallel()
	in := `{"exited":true,"escalated":true,"elapsed_ms":1500,"complete":true,"method":"fork-events",` +
		`"members":[{"pid":5,"start_time":"7","exited":true,"escalated":false,"refused":"uid"}]}`
	var r Termination
	if err := json.Unmarshal([]byte(in), &r); err != nil {
		t.Fatal(err)
	}
	if r.Elapsed != 1500*time.Millisecond || r.Method != TreeForkEvents || len(r.Members) != 1 || r.Members[0].Refused != "uid" {
		t.Errorf("decoded %+v", r)
	}
	out, err := json.Marshal(r)
	if err != nil || !jsonEqual(out, json.RawMessage(in)) {
		t.Errorf("encoded %s, %v; want %s", out, err, in)
	}
}

func TestTerminateOptions(t *testing.T) {
	t.Parallel()
	st := "42"
	for _, tc := range []struct {
		opts TerminateOptions
		want string
	}{
		{TerminateOptions{}, `{"pid":5,"signal":"TERM","timeout_ms":5000,"escalate":"KILL","escalate_timeout_ms":1000,"start_time":"42"}`},
		{TerminateOptions{Signal: syscall.SIGINT, Timeout: 1500 * time.Microsecond, NoEscalate: true, EscalateTimeout: -1, Tree: true},
			`{"pid":5,"signal":2,"timeout_ms":2,"escalate":null,"escalate_timeout_ms":0,"start_time":"42","tree":true}`},
		{TerminateOptions{Escalate: syscall.SIGQUIT, Timeout: -time.Hour, EscalateTimeout: time.Nanosecond},
			`{"pid":5,"signal":"TERM","timeout_ms":0,"escalate":3,"escalate_timeout_ms":1,"start_time":"42"}`},
	} {
		got, err := json.Marshal(tc.opts.params(5, &st))
		if err != nil || string(got) != tc.want {
			t.Errorf("%+v: %s, want %s", tc.opts, got, tc.want)
		}
	}
}

func TestHelperCommand(t *testing.T) {
	t.Parallel()
	path, args, err := helperCommand(Options{Command: []string{helperBin, "--log-level", "debug"}, Args: []string{"--descendants-only", "--allow-uid=0"}})
	want := []string{"--log-level", "debug", "--framing", "ndjson", "--descendants-of=" + strconv.Itoa(os.Getpid()), "--allow-uid=0"}
	if err != nil || path != helperBin || len(args) != len(want) {
		t.Fatalf("%s %q, %v", path, args, err)
	}
	for i := range want {
		if args[i] != want[i] {
			t.Errorf("args %q, want %q", args, want)
		}
	}
}
