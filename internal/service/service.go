// Package service is sigrpc's JSON-RPC service: the table of its methods,
// which joins the wire (package rpc) to process control (package sigctl),
// and the mapping of signal's errors onto JSON-RPC errors.
//
// The table is the single source of the service's surface: dispatch,
// parameter decoding and the defaults the methods really use, rpc.discover
// and the helper's --help are all made from it. Adding a method means one
// entry here and its implementation in signal; the tests then ask for its
// conformance vectors, and each client's tests for its call.
package service

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/sigrpc/sigrpc/rpc"
	"github.com/sigrpc/sigrpc/sigctl"
)

// Controller is the process control the methods need. *sigctl.Controller
// is the implementation; tests that must never reach a real process (the
// fuzz targets) substitute a fake.
type Controller interface {
	Kill(t sigctl.Target, sig sigctl.Signum) error
	Inspect(pid int) (sigctl.Info, error)
	Wait(ctx context.Context, pid int, timeout time.Duration) (bool, error)
	Terminate(ctx context.Context, t sigctl.Target, opts sigctl.TerminateOptions) (sigctl.Termination, error)
	Children(pid int, recursive bool) ([]sigctl.Child, error)
}

// maxMillis is the longest wait a request may ask for: a day.
const maxMillis = int64(24 * time.Hour / time.Millisecond)

// Methods returns sigrpc's methods, acting through c. c may be nil when
// the table is only read, for its documentation.
func Methods(c Controller) []rpc.Method {
	s := &service{c: c}
	return []rpc.Method{
		{
			Name:    "signum",
			Summary: "The number of a signal name, null if unknown; an integer is returned unchanged.",
			Params:  []rpc.Param{{Name: "name", Kind: rpc.IntegerOrString, Required: true, Summary: "a signal name (TERM, SIGTERM, term) or a number"}},
			Result:  `{"type":["integer","null"]}`,
			Example: `["TERM"]`,
			Call:    signum,
		},
		{
			Name:    "kill",
			Summary: "Send a signal to a process; true on success.",
			Params: []rpc.Param{
				{Name: "pid", Kind: rpc.Integer, Required: true, Summary: "the target process id (0 and below -1: a process group, with --allow-groups)"},
				{Name: "signal", Kind: rpc.IntegerOrString, Default: `"TERM"`, Summary: "a signal name or number"},
				{Name: "start_time", Kind: rpc.String, Summary: "send only if the process still has this start time (decimal digits, from inspect)"},
			},
			Result:  `{"const":true}`,
			Example: `{"pid":4242,"signal":"TERM"}`,
			Call:    s.kill,
		},
		{
			Name:    "signals",
			Summary: "Every signal name this platform knows, with its number.",
			Result:  `{"type":"object","additionalProperties":{"type":"integer"}}`,
			Example: `[]`,
			Call:    signalsMethod(),
		},
		{
			Name:    "signame",
			Summary: "The canonical name of a signal number, null if none.",
			Params: []rpc.Param{
				{Name: "number", Kind: rpc.Integer, Required: true, Summary: "a signal number"},
				{Name: "exit_status", Kind: rpc.Boolean, Default: "false", Summary: "read number as a shell exit status, 128 + the signal"},
			},
			Result:  `{"type":["string","null"]}`,
			Example: `[143,true]`,
			Call:    signame,
		},
		{
			Name:    "inspect",
			Summary: "What the system reports about a process (Linux).",
			Params:  []rpc.Param{{Name: "pid", Kind: rpc.Integer, Required: true, Summary: "the process id"}},
			Result:  `{"type":"object","properties":{"pid":{"type":"integer"},"ppid":{"type":"integer"},"pgid":{"type":"integer"},"sid":{"type":"integer"},"uid":{"type":"integer"},"state":{"type":"string"},"comm":{"type":"string"},"start_time":{"type":"string"}}}`,
			Example: `[4242]`,
			Call:    s.inspect,
		},
		{
			Name:    "wait",
			Summary: "Wait until a process has terminated (a zombie counts) or the timeout passes.",
			Params: []rpc.Param{
				{Name: "pid", Kind: rpc.Integer, Required: true, Summary: "the process id"},
				{Name: "timeout_ms", Kind: rpc.Integer, Default: "0", Summary: "how long to wait, at most a day; 0 checks once"},
			},
			Result:   `{"type":"object","properties":{"exited":{"type":"boolean"}}}`,
			Example:  `{"pid":4242,"timeout_ms":1000}`,
			Blocking: true,
			Call:     s.wait,
		},
		{
			Name:    "terminate",
			Summary: "Send a signal, wait, escalate, wait; all through one process handle, each send checked.",
			Params: []rpc.Param{
				{Name: "pid", Kind: rpc.Integer, Required: true, Summary: "the process id"},
				{Name: "signal", Kind: rpc.IntegerOrString, Default: `"TERM"`, Summary: "the first signal"},
				{Name: "timeout_ms", Kind: rpc.Integer, Default: "5000", Summary: "how long to wait after it, at most a day"},
				{Name: "escalate", Kind: rpc.IntegerOrString, Nullable: true, Default: `"KILL"`, Summary: "the second signal; null for none"},
				{Name: "escalate_timeout_ms", Kind: rpc.Integer, Default: "1000", Summary: "how long to wait after it, at most a day"},
				{Name: "start_time", Kind: rpc.String, Summary: "act only if the process still has this start time (decimal digits, from inspect)"},
				{Name: "tree", Kind: rpc.Boolean, Default: "false", Summary: "the whole tree rooted at pid: stop it growing, signal every member, continue, wait, escalate the survivors (Linux)"},
			},
			Result:   `{"type":"object","properties":{"exited":{"type":"boolean"},"escalated":{"type":"boolean"},"refused":{"type":"string"},"elapsed_ms":{"type":"integer"},"complete":{"type":"boolean"},"method":{"type":"string","enum":["listing","fork-events"]},"members":` + membersSchema + `}}`,
			Example:  `{"pid":4242,"timeout_ms":5000}`,
			Blocking: true,
			Call:     s.terminate,
		},
		{
			Name:    "children",
			Summary: "The children of a process (with recursive, every descendant), parents first, each read through a pidfd (Linux).",
			Params: []rpc.Param{
				{Name: "pid", Kind: rpc.Integer, Required: true, Summary: "the process id"},
				{Name: "recursive", Kind: rpc.Boolean, Default: "false", Summary: "every descendant, not only the children"},
			},
			Result:   `{"type":"array","items":{"type":"object","properties":{"pid":{"type":"integer"},"ppid":{"type":"integer"},"start_time":{"type":"string"},"comm":{"type":"string"}}}}`,
			Example:  `{"pid":4242,"recursive":true}`,
			Blocking: true, // a deep tree under --descendants-only takes a while
			Call:     s.children,
		},
	}
}

// membersSchema is the JSON schema of terminate's members, with tree.
const membersSchema = `{"type":"array","items":{"type":"object","properties":{"pid":{"type":"integer"},"start_time":{"type":"string"},"exited":{"type":"boolean"},"escalated":{"type":"boolean"},"refused":{"type":"string"}}}}`

// service holds what the methods act through.
type service struct {
	c Controller
}

// signum implements signum(name).
func signum(_ context.Context, args *rpc.Args, dst []byte) ([]byte, error) {
	name := args.Value("name")
	if !name.IsStr {
		return strconv.AppendInt(dst, name.Int, 10), nil
	}
	n, ok := parseName(name.Raw)
	if !ok {
		return append(dst, "null"...), nil
	}
	return strconv.AppendInt(dst, int64(n), 10), nil
}

// kill implements kill(pid, signal, start_time), checking in the order
// the README gives: the signal's name, the pid's range, the signal's
// range, the policy, then kill(2).
func (s *service) kill(_ context.Context, args *rpc.Args, dst []byte) ([]byte, error) {
	start, err := startTime(args)
	if err != nil {
		return nil, err
	}
	sig, err := signalNumber(args.Value("signal"))
	if err != nil {
		return nil, err
	}
	pid, err := sigctl.CheckPID(args.Int("pid"))
	if err != nil {
		return nil, rpcError(err)
	}
	n, err := sigctl.CheckSignum(sig)
	if err != nil {
		return nil, rpcError(err)
	}
	if err := s.c.Kill(sigctl.Target{PID: pid, StartTime: start}, n); err != nil {
		return nil, rpcError(err)
	}
	return append(dst, "true"...), nil
}

// inspect implements inspect(pid).
func (s *service) inspect(_ context.Context, args *rpc.Args, dst []byte) ([]byte, error) {
	pid, err := sigctl.CheckPID(args.Int("pid"))
	if err != nil {
		return nil, rpcError(err)
	}
	info, err := s.c.Inspect(pid)
	if err != nil {
		return nil, rpcError(err)
	}
	b, err := json.Marshal(struct {
		PID       int    `json:"pid"`
		PPID      int    `json:"ppid"`
		PGID      int    `json:"pgid"`
		SID       int    `json:"sid"`
		UID       int    `json:"uid"`
		State     string `json:"state"`
		Comm      string `json:"comm"`
		StartTime string `json:"start_time"`
	}{info.PID, info.PPID, info.PGID, info.SID, info.UID, info.State, info.Comm, info.StartTime})
	return append(dst, b...), err
}

// wait implements wait(pid, timeout_ms).
func (s *service) wait(ctx context.Context, args *rpc.Args, dst []byte) ([]byte, error) {
	timeout, err := millis(args, "timeout_ms")
	if err != nil {
		return nil, err
	}
	pid, err := sigctl.CheckPID(args.Int("pid"))
	if err != nil {
		return nil, rpcError(err)
	}
	exited, err := s.c.Wait(ctx, pid, timeout)
	if err != nil {
		return nil, rpcError(err)
	}
	dst = strconv.AppendBool(append(dst, `{"exited":`...), exited)
	return append(dst, '}'), nil
}

// terminate implements terminate(pid, signal, timeout_ms, escalate,
// escalate_timeout_ms, start_time, tree), checking in kill's order: the signals'
// names and the timeouts, the pid's range, the signals' range, then (in
// sigctl.Controller.Terminate) the policy.
func (s *service) terminate(ctx context.Context, args *rpc.Args, dst []byte) ([]byte, error) {
	start, err := startTime(args)
	if err != nil {
		return nil, err
	}
	sig, err := signalNumber(args.Value("signal"))
	if err != nil {
		return nil, err
	}
	esc := args.Value("escalate")
	var escSig int64
	if !esc.Null {
		if escSig, err = signalNumber(esc); err != nil {
			return nil, err
		}
	}
	opts := sigctl.TerminateOptions{Escalate: !esc.Null, Tree: args.Bool("tree")}
	if opts.Timeout, err = millis(args, "timeout_ms"); err != nil {
		return nil, err
	}
	if opts.EscalateTimeout, err = millis(args, "escalate_timeout_ms"); err != nil {
		return nil, err
	}
	pid, err := sigctl.CheckPID(args.Int("pid"))
	if err != nil {
		return nil, rpcError(err)
	}
	if opts.Signal, err = sigctl.CheckSignum(sig); err != nil {
		return nil, rpcError(err)
	}
	if opts.Escalate {
		if opts.EscalateSignal, err = sigctl.CheckSignum(escSig); err != nil {
			return nil, rpcError(err)
		}
	}
	res, err := s.c.Terminate(ctx, sigctl.Target{PID: pid, StartTime: start}, opts)
	if err != nil {
		return nil, rpcError(err)
	}
	dst = strconv.AppendBool(append(dst, `{"exited":`...), res.Exited)
	dst = strconv.AppendBool(append(dst, `,"escalated":`...), res.Escalated)
	if res.Refused != "" {
		dst = strconv.AppendQuote(append(dst, `,"refused":`...), res.Refused) // a Reason: plain ASCII
	}
	dst = strconv.AppendInt(append(dst, `,"elapsed_ms":`...), res.Elapsed.Milliseconds(), 10)
	if opts.Tree {
		dst = strconv.AppendBool(append(dst, `,"complete":`...), res.Complete)
		dst = strconv.AppendQuote(append(dst, `,"method":`...), res.Method) // a Method constant: plain ASCII
		dst = appendMembers(append(dst, `,"members":`...), res.Members)
	}
	return append(dst, '}'), nil
}

// appendMembers appends terminate's members, with tree. Start times and
// reasons are plain ASCII.
func appendMembers(dst []byte, members []sigctl.Member) []byte {
	dst = append(dst, '[')
	for i, m := range members {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendInt(append(dst, `{"pid":`...), int64(m.PID), 10)
		dst = strconv.AppendQuote(append(dst, `,"start_time":`...), m.StartTime)
		dst = strconv.AppendBool(append(dst, `,"exited":`...), m.Exited)
		dst = strconv.AppendBool(append(dst, `,"escalated":`...), m.Escalated)
		if m.Refused != "" {
			dst = strconv.AppendQuote(append(dst, `,"refused":`...), m.Refused)
		}
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// children implements children(pid, recursive).
func (s *service) children(_ context.Context, args *rpc.Args, dst []byte) ([]byte, error) {
	pid, err := sigctl.CheckPID(args.Int("pid"))
	if err != nil {
		return nil, rpcError(err)
	}
	kids, err := s.c.Children(pid, args.Bool("recursive"))
	if err != nil {
		return nil, rpcError(err)
	}
	type child struct {
		PID       int    `json:"pid"`
		PPID      int    `json:"ppid"`
		StartTime string `json:"start_time"`
		Comm      string `json:"comm"`
	}
	out := make([]child, len(kids))
	for i, k := range kids {
		out[i] = child{k.PID, k.PPID, k.StartTime, k.Comm}
	}
	b, err := json.Marshal(out)
	return append(dst, b...), err
}

// maxStartTimeDigits bounds start_time: clock ticks since boot fit in 64
// bits, which have at most 20 decimal digits.
const maxStartTimeDigits = 20

// startTime reads the start_time param: absent, or the decimal string
// inspect reports. Anything else, the empty string included, is a -32602
// error, so that a failed lookup on the client's side can never turn the
// identity guard off.
func startTime(args *rpc.Args) (string, error) {
	v := args.Value("start_time")
	if !v.Set {
		return "", nil
	}
	if v.Str == "" || len(v.Str) > maxStartTimeDigits || strings.Trim(v.Str, "0123456789") != "" {
		return "", rpc.InvalidParam("start_time", "must be a start time as inspect reports it: decimal digits")
	}
	return v.Str, nil
}

// millis reads the millisecond duration param called name.
func millis(args *rpc.Args, name string) (time.Duration, error) {
	ms := args.Int(name)
	if ms < 0 || ms > maxMillis {
		return 0, rpc.InvalidParam(name, "must be between 0 and "+strconv.FormatInt(maxMillis, 10))
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// signalsMethod implements signals(); the answer is computed once.
func signalsMethod() func(context.Context, *rpc.Args, []byte) ([]byte, error) {
	result := []byte{'{'}
	for i, e := range sigctl.Table() {
		if i > 0 {
			result = append(result, ',')
		}
		result = strconv.AppendQuote(result, e.Name) // canonical names: plain ASCII
		result = append(result, ':')
		result = strconv.AppendInt(result, int64(e.Signum), 10)
	}
	result = append(result, '}')
	return func(_ context.Context, _ *rpc.Args, dst []byte) ([]byte, error) {
		return append(dst, result...), nil
	}
}

// signame implements signame(number, exit_status).
func signame(_ context.Context, args *rpc.Args, dst []byte) ([]byte, error) {
	n := args.Int("number")
	if args.Bool("exit_status") {
		if n <= 128 {
			return append(dst, "null"...), nil
		}
		n -= 128
	}
	if n < 0 || n > int64(sigctl.MaxSignum) {
		return append(dst, "null"...), nil
	}
	name, ok := sigctl.Signum(n).Name()
	if !ok {
		return append(dst, "null"...), nil
	}
	return strconv.AppendQuote(dst, name), nil
}
