package rpc

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/sourcegraph/jsonrpc2"

	"github.com/sigrpc/sigrpc/signal"
)

// Killer sends signals after validation and policy checks. *signal.Killer
// is the implementation; tests substitute their own.
type Killer interface {
	Kill(pid, sig int64) error
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
	}
}

// signum implements signum(name).
func signum(_ context.Context, args []Value, dst []byte) ([]byte, *jsonrpc2.Error) {
	name := args[0]
	if !name.IsStr {
		return strconv.AppendInt(dst, name.Int, 10), nil
	}
	n, ok := signal.Parse(name.Str)
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
		if err := k.Kill(args[0].Int, sig); err != nil {
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
	n, ok := signal.Parse(v.Str)
	if !ok {
		e := &jsonrpc2.Error{Code: jsonrpc2.CodeInvalidParams, Message: "unknown signal name"}
		e.SetError(struct {
			Signal json.RawMessage `json:"signal"`
		}{v.Raw})
		return 0, e
	}
	return int64(n), nil
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
