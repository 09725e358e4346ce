// Package service is sigrpc's JSON-RPC service: the table of its methods,
// which joins the wire (package rpc) to process control (package sigctl),
// and the mapping of sigctl's errors onto JSON-RPC errors.
//
// The table is the single source of the service's surface. Each method is
// one rpc.Define entry: a params struct, a result type and a function;
// dispatch, parameter decoding with defaults, the exact JSON Schemas of
// rpc.discover, the helper's --help and the method reference in the docs
// are all made from it. Adding a method means its entry here, its
// implementation in sigctl and its conformance vectors; the tests then
// ask each client for its call.
package service

import (
	"context"
	"strconv"
	"strings"
	"sync"
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
		rpc.Define(rpc.Method{
			Name:    "signum",
			Summary: "The number of a signal name, null if unknown; an integer is returned unchanged.",
			Example: `["TERM"]`,
		}, signum),
		rpc.Define(rpc.Method{
			Name:    "kill",
			Summary: "Send a signal to a process; true on success.",
			Example: `{"pid":4242,"signal":"TERM"}`,
		}, s.kill),
		rpc.Define(rpc.Method{
			Name:    "signals",
			Summary: "Every signal name this platform knows, with its number.",
			Example: `[]`,
		}, signals),
		rpc.Define(rpc.Method{
			Name:    "signame",
			Summary: "The canonical name of a signal number, null if none.",
			Example: `[143,true]`,
		}, signame),
		rpc.Define(rpc.Method{
			Name:    "inspect",
			Summary: "What the system reports about a process (Linux).",
			Example: `[4242]`,
		}, s.inspect),
		rpc.Define(rpc.Method{
			Name:     "wait",
			Summary:  "Wait until a process has terminated (a zombie counts) or the timeout passes.",
			Example:  `{"pid":4242,"timeout_ms":1000}`,
			Blocking: true,
		}, s.wait),
		rpc.Define(rpc.Method{
			Name:     "terminate",
			Summary:  "Send a signal, wait, escalate, wait; all through one process handle, each send checked.",
			Example:  `{"pid":4242,"timeout_ms":5000}`,
			Blocking: true,
		}, s.terminate),
		rpc.Define(rpc.Method{
			Name:     "children",
			Summary:  "The children of a process (with recursive, every descendant), parents first, each read through a pidfd (Linux).",
			Example:  `{"pid":4242,"recursive":true}`,
			Blocking: true, // a deep tree under --descendants-only takes a while
		}, s.children),
	}
}

// service holds what the methods act through.
type service struct {
	c Controller
}

type signumParams struct {
	Name rpc.IntOrString `json:"name" rpc:"required" summary:"a signal name (TERM, SIGTERM, term) or a number"`
}

// signum implements signum(name).
func signum(_ context.Context, p signumParams) (rpc.Null[int64], error) {
	if !p.Name.IsStr {
		return rpc.Null[int64]{V: p.Name.Int, Valid: true}, nil
	}
	n, ok := parseName(p.Name.Raw)
	return rpc.Null[int64]{V: int64(n), Valid: ok}, nil
}

type killParams struct {
	PID       int64           `json:"pid" rpc:"required" summary:"the target process id (0 and below -1: a process group, with --allow-groups)"`
	Signal    rpc.IntOrString `json:"signal" default:"TERM" summary:"a signal name or number"`
	StartTime *string         `json:"start_time" summary:"send only if the process still has this start time (decimal digits, from inspect)"`
}

// kill implements kill(pid, signal, start_time), checking in the order
// PROTOCOL.md gives: the signal's name, the pid's range, the signal's
// range, the policy, then kill(2).
func (s *service) kill(_ context.Context, p killParams) (rpc.True, error) {
	start, err := startTime(p.StartTime)
	if err != nil {
		return rpc.True{}, err
	}
	sig, err := signalNumber(p.Signal)
	if err != nil {
		return rpc.True{}, err
	}
	pid, err := sigctl.CheckPID(p.PID)
	if err != nil {
		return rpc.True{}, rpcError(err)
	}
	n, err := sigctl.CheckSignum(sig)
	if err != nil {
		return rpc.True{}, rpcError(err)
	}
	if err := s.c.Kill(sigctl.Target{PID: pid, StartTime: start}, n); err != nil {
		return rpc.True{}, rpcError(err)
	}
	return rpc.True{}, nil
}

type pidParams struct {
	PID int64 `json:"pid" rpc:"required" summary:"the process id"`
}

// processInfo is inspect's result.
type processInfo struct {
	PID       int    `json:"pid"`
	PPID      int    `json:"ppid"`
	PGID      int    `json:"pgid"`
	SID       int    `json:"sid"`
	UID       int    `json:"uid"`
	State     string `json:"state" summary:"one letter, as ps shows it: R, S, D, Z (a zombie), T, ..."`
	Comm      string `json:"comm"`
	StartTime string `json:"start_time" summary:"the process's start time, in clock ticks since boot (decimal digits)"`
}

// inspect implements inspect(pid).
func (s *service) inspect(_ context.Context, p pidParams) (processInfo, error) {
	pid, err := sigctl.CheckPID(p.PID)
	if err != nil {
		return processInfo{}, rpcError(err)
	}
	info, err := s.c.Inspect(pid)
	if err != nil {
		return processInfo{}, rpcError(err)
	}
	return processInfo{info.PID, info.PPID, info.PGID, info.SID, info.UID, info.State, info.Comm, info.StartTime}, nil
}

type waitParams struct {
	PID       int64 `json:"pid" rpc:"required" summary:"the process id"`
	TimeoutMS int64 `json:"timeout_ms" default:"0" summary:"how long to wait, at most a day; 0 checks once"`
}

// waitResult is wait's result.
type waitResult struct {
	Exited bool `json:"exited" summary:"the process has terminated"`
}

// wait implements wait(pid, timeout_ms).
func (s *service) wait(ctx context.Context, p waitParams) (waitResult, error) {
	timeout, err := millis("timeout_ms", p.TimeoutMS)
	if err != nil {
		return waitResult{}, err
	}
	pid, err := sigctl.CheckPID(p.PID)
	if err != nil {
		return waitResult{}, rpcError(err)
	}
	exited, err := s.c.Wait(ctx, pid, timeout)
	if err != nil {
		return waitResult{}, rpcError(err)
	}
	return waitResult{exited}, nil
}

type terminateParams struct {
	PID               int64            `json:"pid" rpc:"required" summary:"the process id"`
	Signal            rpc.IntOrString  `json:"signal" default:"TERM" summary:"the first signal"`
	TimeoutMS         int64            `json:"timeout_ms" default:"5000" summary:"how long to wait after it, at most a day"`
	Escalate          *rpc.IntOrString `json:"escalate" rpc:"nullable" default:"KILL" summary:"the second signal; null for none"`
	EscalateTimeoutMS int64            `json:"escalate_timeout_ms" default:"1000" summary:"how long to wait after it, at most a day"`
	StartTime         *string          `json:"start_time" summary:"act only if the process still has this start time (decimal digits, from inspect)"`
	Tree              bool             `json:"tree" default:"false" summary:"the whole tree rooted at pid: stop it growing, signal every member, continue, wait, escalate the survivors (Linux)"`
}

// termination is terminate's result.
type termination struct {
	Exited    bool   `json:"exited" summary:"the process (with tree, every member) has terminated"`
	Escalated bool   `json:"escalated" summary:"the escalation signal was sent"`
	Refused   string `json:"refused,omitempty" summary:"why the policy refused the escalation"`
	ElapsedMS int64  `json:"elapsed_ms" summary:"how long the call took, in milliseconds"`
	*treeTermination
}

// treeTermination is what terminate's result adds with tree.
type treeTermination struct {
	Complete bool     `json:"complete" summary:"true: the method rules out escape by a process forked during the call; false: it does not (listing misses double forks)"`
	Method   string   `json:"method" enum:"listing,fork-events" summary:"how the members were found"`
	Members  []member `json:"members" summary:"every process of the tree, parents first"`
}

// member is one member of a tree terminate acted on.
type member struct {
	PID       int    `json:"pid"`
	StartTime string `json:"start_time"`
	Exited    bool   `json:"exited" summary:"it has terminated"`
	Escalated bool   `json:"escalated" summary:"the escalation signal was sent to it"`
	Refused   string `json:"refused,omitempty" summary:"why the policy refused to signal it"`
}

// terminate implements terminate(pid, signal, timeout_ms, escalate,
// escalate_timeout_ms, start_time, tree), checking in kill's order: the signals'
// names and the timeouts, the pid's range, the signals' range, then (in
// sigctl.Controller.Terminate) the policy.
func (s *service) terminate(ctx context.Context, p terminateParams) (termination, error) {
	start, err := startTime(p.StartTime)
	if err != nil {
		return termination{}, err
	}
	sig, err := signalNumber(p.Signal)
	if err != nil {
		return termination{}, err
	}
	var escSig int64
	if p.Escalate != nil {
		if escSig, err = signalNumber(*p.Escalate); err != nil {
			return termination{}, err
		}
	}
	opts := sigctl.TerminateOptions{Escalate: p.Escalate != nil, Tree: p.Tree}
	if opts.Timeout, err = millis("timeout_ms", p.TimeoutMS); err != nil {
		return termination{}, err
	}
	if opts.EscalateTimeout, err = millis("escalate_timeout_ms", p.EscalateTimeoutMS); err != nil {
		return termination{}, err
	}
	pid, err := sigctl.CheckPID(p.PID)
	if err != nil {
		return termination{}, rpcError(err)
	}
	if opts.Signal, err = sigctl.CheckSignum(sig); err != nil {
		return termination{}, rpcError(err)
	}
	if opts.Escalate {
		if opts.EscalateSignal, err = sigctl.CheckSignum(escSig); err != nil {
			return termination{}, rpcError(err)
		}
	}
	res, err := s.c.Terminate(ctx, sigctl.Target{PID: pid, StartTime: start}, opts)
	if err != nil {
		return termination{}, rpcError(err)
	}
	out := termination{Exited: res.Exited, Escalated: res.Escalated, Refused: res.Refused, ElapsedMS: res.Elapsed.Milliseconds()}
	if opts.Tree {
		t := &treeTermination{Complete: res.Complete, Method: res.Method, Members: make([]member, len(res.Members))}
		for i, m := range res.Members {
			t.Members[i] = member{m.PID, m.StartTime, m.Exited, m.Escalated, m.Refused}
		}
		out.treeTermination = t
	}
	return out, nil
}

type childrenParams struct {
	PID       int64 `json:"pid" rpc:"required" summary:"the process id"`
	Recursive bool  `json:"recursive" default:"false" summary:"every descendant, not only the children"`
}

// child is one process children lists.
type child struct {
	PID       int    `json:"pid"`
	PPID      int    `json:"ppid"`
	StartTime string `json:"start_time"`
	Comm      string `json:"comm"`
}

// children implements children(pid, recursive).
func (s *service) children(_ context.Context, p childrenParams) ([]child, error) {
	pid, err := sigctl.CheckPID(p.PID)
	if err != nil {
		return nil, rpcError(err)
	}
	kids, err := s.c.Children(pid, p.Recursive)
	if err != nil {
		return nil, rpcError(err)
	}
	out := make([]child, len(kids))
	for i, k := range kids {
		out[i] = child{k.PID, k.PPID, k.StartTime, k.Comm}
	}
	return out, nil
}

// maxStartTimeDigits bounds start_time: clock ticks since boot fit in 64
// bits, which have at most 20 decimal digits.
const maxStartTimeDigits = 20

// startTime checks the start_time param: absent, or the decimal string
// inspect reports. Anything else, the empty string included, is a -32602
// error, so that a failed lookup on the client's side can never turn the
// identity guard off.
func startTime(v *string) (string, error) {
	if v == nil {
		return "", nil
	}
	if *v == "" || len(*v) > maxStartTimeDigits || strings.Trim(*v, "0123456789") != "" {
		return "", rpc.InvalidParam("start_time", "must be a start time as inspect reports it: decimal digits")
	}
	return *v, nil
}

// millis checks the millisecond duration param called name.
func millis(name string, ms int64) (time.Duration, error) {
	if ms < 0 || ms > maxMillis {
		return 0, rpc.InvalidParam(name, "must be between 0 and "+strconv.FormatInt(maxMillis, 10))
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// signalTable is signals' result: an object of every canonical signal
// name and its number, in the order of sigctl.Table.
type signalTable struct{}

// signalTableJSON is the encoding of signalTable, made once.
var signalTableJSON = sync.OnceValue(func() []byte {
	b := []byte{'{'}
	for i, e := range sigctl.Table() {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, e.Name) // canonical names: plain ASCII
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(e.Signum), 10)
	}
	return append(b, '}')
})

// MarshalJSON returns the table.
func (signalTable) MarshalJSON() ([]byte, error) { return signalTableJSON(), nil }

// JSONSchema states the table's schema, which reflection cannot see.
func (signalTable) JSONSchema() string {
	return `{"type":"object","additionalProperties":{"type":"integer"}}`
}

// signals implements signals().
func signals(context.Context, struct{}) (signalTable, error) { return signalTable{}, nil }

type signameParams struct {
	Number     int64 `json:"number" rpc:"required" summary:"a signal number"`
	ExitStatus bool  `json:"exit_status" default:"false" summary:"read number as a shell exit status, 128 + the signal"`
}

// signame implements signame(number, exit_status).
func signame(_ context.Context, p signameParams) (rpc.Null[string], error) {
	n := p.Number
	if p.ExitStatus {
		if n <= 128 {
			return rpc.Null[string]{}, nil
		}
		n -= 128
	}
	if n < 0 || n > int64(sigctl.MaxSignum) {
		return rpc.Null[string]{}, nil
	}
	name, ok := sigctl.Signum(n).Name()
	return rpc.Null[string]{V: name, Valid: ok}, nil
}
