package client

// The shared conformance vectors (rpc/testdata/conformance.json) through
// the client: every message case of one well-formed request with an id,
// answered by one response to it, is sent twice, as Client.Call (the
// params exactly as the vector has them) and, where the Go signatures can
// say it, through the typed method; the result, or the error's mapping
// (OSError, RefusedError, ErrUnknownSignal, Error), must match the
// vector's response. The vectors' bytes and framing are the binary
// suites' business (cmd/sigrpc, the Python and Node clients).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sigrpc/sigrpc/internal/conformance"
)

// vectorRequest is a vector's request, decoded.
type vectorRequest struct {
	ID     json.RawMessage `json:"id"`
	Method *string         `json:"method"`
	Params json.RawMessage `json:"params"`
}

// vectorResponse is a vector's response, decoded.
type vectorResponse struct {
	ID     json.RawMessage `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int64           `json:"code"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	} `json:"error"`
}

func TestConformance(t *testing.T) {
	cases, err := conformance.Load("../rpc/testdata/conformance.json")
	if err != nil {
		t.Fatal(err)
	}
	clients := map[string]*Client{} // by flags
	helper := discover(t, newClient(t, nil))
	raw, typed := 0, map[string]int{}
	for _, c := range cases {
		if c.Framing != "" || (c.Platform != "" && c.Platform != runtime.GOOS) || len(c.Requests) != 1 || len(c.Responses) != 1 {
			continue
		}
		req, want, ok := vector(c.Requests[0], c.Responses[0])
		if !ok || !safe(*req.Method, req.Params, helper) {
			continue
		}
		key := strings.Join(c.Flags, " ")
		if clients[key] == nil {
			clients[key] = newClient(t, c.Flags)
		}
		cl := clients[key]
		t.Run(c.Name, func(t *testing.T) {
			var params any
			if req.Params != nil {
				params = req.Params
			}
			var got json.RawMessage
			err := cl.Call(testCtx(t), *req.Method, params, &got)
			checkOutcome(t, "Call", *req.Method, got, err, want)
			raw++
			call, ok := typedCall(*req.Method, req.Params, helper)
			if !ok {
				return
			}
			v, err := call(testCtx(t), cl)
			var result json.RawMessage
			if err == nil {
				if result, err = json.Marshal(v); err != nil {
					t.Fatal(err)
				}
			}
			checkOutcome(t, "typed", *req.Method, result, err, want)
			typed[*req.Method]++
		})
	}
	t.Logf("%d vectors through Call; through the typed methods: %v", raw, typed)
	if raw < 150 {
		t.Errorf("only %d vectors ran through the client", raw)
	}
	for name := range helper {
		if notWrapped[name] == "" && typed[name] == 0 {
			t.Errorf("no vector ran through a typed method of %s", name)
		}
	}
}

// vector decodes a request and its response; ok is false unless the
// request is well formed, has an id, and the response answers it.
func vector(request, response string) (vectorRequest, vectorResponse, bool) {
	var req vectorRequest
	var resp vectorResponse
	if json.Unmarshal([]byte(request), &req) != nil || req.Method == nil || req.ID == nil ||
		json.Unmarshal([]byte(response), &resp) != nil || !jsonEqual(req.ID, resp.ID) || string(req.ID) == "null" {
		return req, resp, false
	}
	var version struct {
		JSONRPC any `json:"jsonrpc"`
	}
	json.Unmarshal([]byte(request), &version)
	p := bytes.TrimSpace(req.Params)
	return req, resp, version.JSONRPC == "2.0" && (p == nil || p[0] == '{' || p[0] == '[')
}

// safe reports whether a request asks for no real signal to a pid below 2
// (a process group, every process, init). The helper refuses those, but
// this test never asks: such vectors are left to the binary's suites.
func safe(method string, params json.RawMessage, helper map[string]discoveredMethod) bool {
	if method != "kill" && method != "terminate" {
		return true
	}
	named, ok := namedParams(params, helper[method])
	if !ok {
		return true // an error before any pid is looked at
	}
	var pid int64
	if json.Unmarshal(named["pid"], &pid) != nil || pid > 1 {
		return true
	}
	null := func(name string) bool {
		v, given := named[name]
		s := string(v)
		return given && (s == "0" || s == "null" || strings.EqualFold(strings.Trim(s, `"`), "NONE"))
	}
	return null("signal") && (method == "kill" || null("escalate"))
}

// namedParams returns a request's params by name (positional ones named in
// the helper's order); ok is false if they are neither, or one repeats.
func namedParams(params json.RawMessage, m discoveredMethod) (map[string]json.RawMessage, bool) {
	named := map[string]json.RawMessage{}
	if params == nil {
		return named, true
	}
	var list []json.RawMessage
	if json.Unmarshal(params, &list) == nil {
		if len(list) > len(m.Params) {
			return nil, false
		}
		for i, v := range list {
			named[m.Params[i].Name] = v
		}
		return named, true
	}
	dec := json.NewDecoder(bytes.NewReader(params))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		name := tok.(string)
		if _, twice := named[name]; twice {
			return nil, false
		}
		named[name] = v
	}
	return named, true
}

// typedCall returns the typed method call that sends what params say;
// ok is false if the Go signatures cannot say it.
func typedCall(method string, params json.RawMessage, helper map[string]discoveredMethod) (func(context.Context, *Client) (any, error), bool) {
	named, ok := namedParams(params, helper[method])
	if !ok {
		return nil, false
	}
	used := map[string]bool{}
	var fail bool
	get := func(name string, v any) bool { // decodes param name into v; false if absent
		raw, given := named[name]
		used[name] = true
		if !given {
			return false
		}
		if string(raw) == "null" || json.Unmarshal(raw, v) != nil {
			fail = true
		}
		return true
	}
	// signal decodes a signal param as a number or a name.
	signal := func(name string) (n int, s string, given, isName bool) {
		raw, ok := named[name]
		if !ok {
			used[name] = true
			return 0, "", false, false
		}
		if bytes.HasPrefix(raw, []byte(`"`)) {
			get(name, &s)
			return 0, s, true, true
		}
		get(name, &n)
		return n, "", true, false
	}
	var pid int
	var call func(context.Context, *Client) (any, error)
	switch method {
	case "signum":
		var name string
		if !get("name", &name) || !bytes.HasPrefix(named["name"], []byte(`"`)) {
			return nil, false
		}
		call = func(ctx context.Context, c *Client) (any, error) {
			n, ok, err := c.Signum(ctx, name)
			return nullable(n, ok), err
		}
	case "signals":
		call = func(ctx context.Context, c *Client) (any, error) { return c.Signals(ctx) }
	case "signame":
		var number int
		var exit bool
		if !get("number", &number) {
			return nil, false
		}
		get("exit_status", &exit)
		call = func(ctx context.Context, c *Client) (any, error) {
			f := c.Signame
			if exit {
				f = c.ExitStatusSigname
			}
			s, ok, err := f(ctx, number)
			return nullable(s, ok), err
		}
	case "kill":
		if !get("pid", &pid) {
			return nil, false
		}
		n, name, given, isName := signal("signal")
		var startTime string
		hasStartTime := get("start_time", &startTime)
		switch {
		case !given || (hasStartTime && isName):
			return nil, false
		case hasStartTime:
			call = func(ctx context.Context, c *Client) (any, error) {
				return true, (&Process{c: c, pid: pid, startTime: startTime}).Signal(ctx, syscall.Signal(n))
			}
		case isName:
			call = func(ctx context.Context, c *Client) (any, error) { return true, c.KillName(ctx, pid, name) }
		default:
			call = func(ctx context.Context, c *Client) (any, error) { return true, c.Kill(ctx, pid, syscall.Signal(n)) }
		}
	case "inspect":
		if !get("pid", &pid) {
			return nil, false
		}
		call = func(ctx context.Context, c *Client) (any, error) { return c.Inspect(ctx, pid) }
	case "wait":
		var ms int64
		if !get("pid", &pid) || (get("timeout_ms", &ms) && ms < 0) {
			return nil, false
		}
		call = func(ctx context.Context, c *Client) (any, error) {
			exited, err := c.Wait(ctx, pid, time.Duration(ms)*time.Millisecond)
			return waitResult{exited}, err
		}
	case "terminate":
		var opts TerminateOptions
		if !get("pid", &pid) {
			return nil, false
		}
		// A signal is a number but 0 (which Go reads as the default), or
		// the default's name.
		signalOpt := func(param, def string) (syscall.Signal, bool) {
			n, name, given, isName := signal(param)
			return syscall.Signal(n), !given || (isName && name == def) || (!isName && n != 0)
		}
		var ok1, ok2 bool
		opts.Signal, ok1 = signalOpt("signal", "TERM")
		if string(named["escalate"]) == "null" {
			opts.NoEscalate, used["escalate"], ok2 = true, true, true
		} else {
			opts.Escalate, ok2 = signalOpt("escalate", "KILL")
		}
		if !ok1 || !ok2 {
			return nil, false
		}
		for name, d := range map[string]*time.Duration{"timeout_ms": &opts.Timeout, "escalate_timeout_ms": &opts.EscalateTimeout} {
			var ms int64
			if get(name, &ms) {
				switch {
				case ms < 0:
					return nil, false
				case ms == 0:
					*d = -1 // 0 means the default in Go; a negative one, no wait
				default:
					*d = time.Duration(ms) * time.Millisecond
				}
			}
		}
		get("tree", &opts.Tree)
		var startTime string
		if get("start_time", &startTime) {
			call = func(ctx context.Context, c *Client) (any, error) {
				return (&Process{c: c, pid: pid, startTime: startTime}).Terminate(ctx, opts)
			}
		} else {
			call = func(ctx context.Context, c *Client) (any, error) { return c.Terminate(ctx, pid, opts) }
		}
	case "children":
		var recursive bool
		if !get("pid", &pid) {
			return nil, false
		}
		get("recursive", &recursive)
		call = func(ctx context.Context, c *Client) (any, error) {
			if recursive {
				return c.Descendants(ctx, pid)
			}
			return c.Children(ctx, pid)
		}
	default:
		return nil, false
	}
	for name := range named {
		if !used[name] {
			fail = true
		}
	}
	return call, !fail
}

// nullable returns v, or nil if !ok.
func nullable[T any](v T, ok bool) any {
	if !ok {
		return nil
	}
	return v
}

// checkOutcome compares what a call returned with the vector's response.
func checkOutcome(t *testing.T, how, method string, got json.RawMessage, err error, want vectorResponse) {
	t.Helper()
	if want.Error == nil {
		if err != nil {
			t.Errorf("%s: %v; want the result %s", how, err, want.Result)
		} else if !jsonEqual(got, want.Result) {
			t.Errorf("%s: result %s; want %s", how, got, want.Result)
		}
		return
	}
	if err == nil {
		t.Errorf("%s: result %s; want the error %+v", how, got, *want.Error)
		return
	}
	if problem := errorProblem(err, method, want.Error.Code, want.Error.Message, want.Error.Data); problem != "" {
		t.Errorf("%s: %v (%#v): %s", how, err, err, problem)
	}
}

// errorProblem says how err differs from the client's error for the
// helper's error code, message and data; "" if it does not.
func errorProblem(err error, method string, code int64, message string, data json.RawMessage) string {
	var d struct {
		Errnum *int   `json:"errnum"`
		Reason string `json:"reason"`
	}
	json.Unmarshal(data, &d)
	var osErr *OSError
	var refused *RefusedError
	var other *Error
	switch {
	case code == codeOSError && d.Errnum != nil:
		if !errors.As(err, &osErr) || osErr.Method != method {
			return "want an *OSError of " + method
		}
		if !errors.Is(err, syscall.Errno(*d.Errnum)) || osErr.Reason != d.Reason {
			return fmt.Sprintf("want errno %d, reason %q", *d.Errnum, d.Reason)
		}
	case code == codePolicy:
		if !errors.As(err, &refused) || refused.Method != method || refused.Reason != d.Reason {
			return fmt.Sprintf("want a *RefusedError of %s, reason %q", method, d.Reason)
		}
	default:
		if !errors.As(err, &other) || other.Method != method || other.Code != code || other.Message != message || !jsonEqual(other.Data, data) {
			return fmt.Sprintf("want an *Error of %s: %d %q %s", method, code, message, data)
		}
		if errors.Is(err, ErrUnknownSignal) != (code == -32602 && d.Reason == "unknown-signal") {
			return "errors.Is(err, ErrUnknownSignal) is wrong"
		}
	}
	return ""
}

// jsonEqual reports whether a and b are the same JSON value (both absent
// counts too).
func jsonEqual(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	var x, y any
	return decodeNumbers(a, &x) == nil && decodeNumbers(b, &y) == nil && reflect.DeepEqual(x, y)
}
