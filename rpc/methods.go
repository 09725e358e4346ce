package rpc

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/sourcegraph/jsonrpc2"

	"github.com/sigrpc/sigrpc/signal"
)

// Killer is the process control the methods need. *signal.Killer is the
// implementation.
type Killer interface {
	Kill(t signal.Target, sig int64) error
	Inspect(pid int64) (signal.Info, error)
	Wait(ctx context.Context, pid int64, timeout time.Duration) (bool, error)
	Terminate(ctx context.Context, t signal.Target, sig int64, timeout time.Duration, escalate *int64, escalateTimeout time.Duration) (signal.Termination, error)
}

// Methods returns sigrpc's method table, sending signals with k.
func Methods(k Killer) []Method {
	return []Method{
		{
			Name:    "signum",
			Summary: "The number of a signal name, null if unknown; an integer is returned unchanged.",
			Params:  []Param{{Name: "name", Kind: IntegerOrString, Required: true, Summary: "a signal name (TERM, SIGTERM, term) or a number"}},
			Result:  `{"type":["integer","null"]}`,
			Call:    signum,
		},
		{
			Name:    "kill",
			Summary: "Send a signal to a process; true on success.",
			Params: []Param{
				{Name: "pid", Kind: Integer, Required: true, Summary: "the target process id"},
				{Name: "signal", Kind: IntegerOrString, Default: `"TERM"`, Summary: "a signal name or number"},
				{Name: "start_time", Kind: String, Summary: "send only if the process still has this start time (from inspect)"},
			},
			Result: `{"const":true}`,
			Call:   killMethod(k),
		},
		{
			Name:    "signals",
			Summary: "Every signal name this platform knows, with its number.",
			Result:  `{"type":"object","additionalProperties":{"type":"integer"}}`,
			Call:    signalsMethod(),
		},
		{
			Name:    "signame",
			Summary: "The canonical name of a signal number, null if none.",
			Params: []Param{
				{Name: "number", Kind: Integer, Required: true, Summary: "a signal number"},
				{Name: "exit_status", Kind: Boolean, Default: "false", Summary: "read number as a shell exit status, 128 + the signal"},
			},
			Result: `{"type":["string","null"]}`,
			Call:   signame,
		},
		{
			Name:    "inspect",
			Summary: "What the system reports about a process (Linux).",
			Params:  []Param{{Name: "pid", Kind: Integer, Required: true, Summary: "the process id"}},
			Result:  `{"type":"object"}`,
			Call:    inspectMethod(k),
		},
		{
			Name:    "wait",
			Summary: "Wait until a process has terminated (a zombie counts) or the timeout passes.",
			Params: []Param{
				{Name: "pid", Kind: Integer, Required: true, Summary: "the process id"},
				{Name: "timeout_ms", Kind: Integer, Default: "0", Summary: "how long to wait; 0 checks once"},
			},
			Result:   `{"type":"object","properties":{"exited":{"type":"boolean"}}}`,
			Blocking: true,
			Call:     waitMethod(k),
		},
		{
			Name:    "terminate",
			Summary: "Send a signal, wait, escalate, wait; all through one process handle.",
			Params: []Param{
				{Name: "pid", Kind: Integer, Required: true, Summary: "the process id"},
				{Name: "signal", Kind: IntegerOrString, Default: `"TERM"`, Summary: "the first signal"},
				{Name: "timeout_ms", Kind: Integer, Default: "5000", Summary: "how long to wait after it"},
				{Name: "escalate", Kind: IntegerOrString, Nullable: true, Default: `"KILL"`, Summary: "the second signal; null for none"},
				{Name: "escalate_timeout_ms", Kind: Integer, Default: "1000", Summary: "how long to wait after it"},
				{Name: "start_time", Kind: String, Summary: "act only if the process still has this start time"},
			},
			Result:   `{"type":"object","properties":{"exited":{"type":"boolean"},"escalated":{"type":"boolean"},"refused":{"type":"string"},"elapsed_ms":{"type":"integer"}}}`,
			Blocking: true,
			Call:     terminateMethod(k),
		},
	}
}

// inspectMethod implements inspect(pid).
func inspectMethod(k Killer) func(context.Context, []Value, []byte) ([]byte, *jsonrpc2.Error) {
	return func(_ context.Context, args []Value, dst []byte) ([]byte, *jsonrpc2.Error) {
		info, err := k.Inspect(args[0].Int)
		if err != nil {
			return nil, errorFor(err)
		}
		b, _ := json.Marshal(struct {
			PID       int    `json:"pid"`
			PPID      int    `json:"ppid"`
			PGID      int    `json:"pgid"`
			SID       int    `json:"sid"`
			UID       int    `json:"uid"`
			State     string `json:"state"`
			Comm      string `json:"comm"`
			StartTime string `json:"start_time"`
		}{info.PID, info.PPID, info.PGID, info.SID, info.UID, info.State, info.Comm, info.StartTime})
		return append(dst, b...), nil
	}
}

// waitMethod implements wait(pid, timeout_ms = 0).
func waitMethod(k Killer) func(context.Context, []Value, []byte) ([]byte, *jsonrpc2.Error) {
	return func(ctx context.Context, args []Value, dst []byte) ([]byte, *jsonrpc2.Error) {
		timeout, err := millis(args[1], "timeout_ms", 0)
		if err != nil {
			return nil, err
		}
		exited, werr := k.Wait(ctx, args[0].Int, timeout)
		if werr != nil {
			return nil, errorFor(werr)
		}
		dst = strconv.AppendBool(append(dst, `{"exited":`...), exited)
		return append(dst, '}'), nil
	}
}

// terminateMethod implements terminate(pid, signal, timeout_ms, escalate,
// escalate_timeout_ms, start_time).
func terminateMethod(k Killer) func(context.Context, []Value, []byte) ([]byte, *jsonrpc2.Error) {
	return func(ctx context.Context, args []Value, dst []byte) ([]byte, *jsonrpc2.Error) {
		sig, err := signalArg(args[1], signal.Number(15))
		if err != nil {
			return nil, err
		}
		var escalate *int64
		if !args[3].Null {
			esc, err := signalArg(args[3], signal.Number(9))
			if err != nil {
				return nil, err
			}
			escalate = &esc
		}
		timeout, err := millis(args[2], "timeout_ms", 5000)
		if err != nil {
			return nil, err
		}
		escTimeout, err := millis(args[4], "escalate_timeout_ms", 1000)
		if err != nil {
			return nil, err
		}
		res, terr := k.Terminate(ctx, signal.Target{PID: args[0].Int, StartTime: args[5].Str}, sig, timeout, escalate, escTimeout)
		if terr != nil {
			return nil, errorFor(terr)
		}
		dst = strconv.AppendBool(append(dst, `{"exited":`...), res.Exited)
		dst = strconv.AppendBool(append(dst, `,"escalated":`...), res.Escalated)
		if res.Refused != "" {
			dst = appendString(append(dst, `,"refused":`...), res.Refused)
		}
		dst = strconv.AppendInt(append(dst, `,"elapsed_ms":`...), res.Elapsed.Milliseconds(), 10)
		return append(dst, '}'), nil
	}
}

// millis reads a millisecond duration param, def if absent.
func millis(v Value, name string, def int64) (time.Duration, *jsonrpc2.Error) {
	ms := def
	if v.Set {
		ms = v.Int
	}
	if ms < 0 || ms > int64(24*time.Hour/time.Millisecond) {
		return 0, invalidParam(name, "must be between 0 and 86400000")
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// signum implements signum(name).
func signum(_ context.Context, args []Value, dst []byte) ([]byte, *jsonrpc2.Error) {
	name := args[0]
	if !name.IsStr {
		return strconv.AppendInt(dst, name.Int, 10), nil
	}
	n, ok := parseSignal(name.Raw)
	if !ok {
		return append(dst, "null"...), nil
	}
	return strconv.AppendInt(dst, int64(n), 10), nil
}

// killMethod implements kill(pid, signal = "TERM") with k.
func killMethod(k Killer) func(context.Context, []Value, []byte) ([]byte, *jsonrpc2.Error) {
	return func(_ context.Context, args []Value, dst []byte) ([]byte, *jsonrpc2.Error) {
		sig, err := signalArg(args[1], signal.Number(15))
		if err != nil {
			return nil, err
		}
		if err := k.Kill(signal.Target{PID: args[0].Int, StartTime: args[2].Str}, sig); err != nil {
			return nil, errorFor(err)
		}
		return append(dst, "true"...), nil
	}
}

// signalArg resolves a signal param: a name is looked up (an unknown name
// is a -32602 error echoing it), a number is passed on unchecked, and an
// absent param takes def.
func signalArg(v Value, def signal.Number) (int64, *jsonrpc2.Error) {
	switch {
	case !v.Set:
		return int64(def), nil
	case !v.IsStr:
		return v.Int, nil
	}
	n, ok := parseSignal(v.Raw)
	if !ok {
		e := &jsonrpc2.Error{Code: jsonrpc2.CodeInvalidParams, Message: "unknown signal name"}
		e.SetError(struct {
			Signal json.RawMessage `json:"signal"`
			Reason string          `json:"reason"`
		}{appendEcho(nil, v.Raw), "unknown-signal"})
		return 0, e
	}
	return int64(n), nil
}

// parseSignal resolves the JSON string literal raw as a signal name. The
// common case, a short name without escapes, does not allocate.
func parseSignal(raw []byte) (signal.Number, bool) {
	if bytes.IndexByte(raw, '\\') < 0 {
		return signal.Parse(string(raw[1 : len(raw)-1]))
	}
	name, _ := unquote(raw)
	return signal.Parse(name)
}

// signalsMethod implements signals(); the answer is computed once.
func signalsMethod() func(context.Context, []Value, []byte) ([]byte, *jsonrpc2.Error) {
	result := []byte{'{'}
	for i, e := range signal.Table() {
		if i > 0 {
			result = append(result, ',')
		}
		result = appendString(result, e.Name)
		result = append(result, ':')
		result = strconv.AppendInt(result, int64(e.Number), 10)
	}
	result = append(result, '}')
	return func(_ context.Context, _ []Value, dst []byte) ([]byte, *jsonrpc2.Error) {
		return append(dst, result...), nil
	}
}

// signame implements signame(number, exit_status = false).
func signame(_ context.Context, args []Value, dst []byte) ([]byte, *jsonrpc2.Error) {
	n := args[0].Int
	if args[1].Bool {
		if n <= 128 {
			return append(dst, "null"...), nil
		}
		n -= 128
	}
	if n < 0 || n > int64(signal.Max) {
		return append(dst, "null"...), nil
	}
	name, ok := signal.Number(n).Name()
	if !ok {
		return append(dst, "null"...), nil
	}
	return appendString(dst, name), nil
}
