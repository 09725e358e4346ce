package service

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"syscall"

	"github.com/sourcegraph/jsonrpc2"

	"github.com/sigrpc/sigrpc/rpc"
	"github.com/sigrpc/sigrpc/sigctl"
)

// The application error codes (PROTOCOL.md, section 4).
const (
	CodeOSError     = -32000 // an operating system error; data has errno, errnum and maybe reason
	CodePolicy      = -32001 // refused by policy; data has reason
	CodeUnsupported = -32002 // not supported on this platform
)

// ReasonUnknownSignal is the data.reason of the -32602 error for a signal
// name the platform does not know. Clients recognise the error by it.
const ReasonUnknownSignal = "unknown-signal"

// rpcError maps an error from package sigctl to its JSON-RPC error; a
// call cut short by its context is -32000 ECANCELED, as ErrClosed is. An
// error it does not know is returned as it is: a bug, which the server
// answers with -32603 and logs.
func rpcError(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		err = &sigctl.OSError{Errno: syscall.ECANCELED, Reason: sigctl.ReasonStopping}
	}
	var osErr *sigctl.OSError
	var policyErr *sigctl.PolicyError
	var pidErr *sigctl.PIDError
	switch {
	case errors.As(err, &osErr):
		e := &jsonrpc2.Error{Code: CodeOSError, Message: osErr.Text()}
		e.SetError(struct {
			Errno  string `json:"errno"`
			Errnum int    `json:"errnum"`
			Reason string `json:"reason,omitempty"`
		}{osErr.Name(), int(osErr.Errno), osErr.Reason})
		return e
	case errors.As(err, &policyErr):
		e := &jsonrpc2.Error{Code: CodePolicy, Message: "refused by policy: " + policyErr.Reason}
		e.SetError(struct {
			Reason string `json:"reason"`
		}{policyErr.Reason})
		return e
	case errors.As(err, &pidErr):
		return rpc.InvalidParam("pid", pidErr.Problem)
	case errors.Is(err, errors.ErrUnsupported):
		return &jsonrpc2.Error{Code: CodeUnsupported, Message: "unsupported on this platform"}
	}
	return err
}

// Busy is the error for a blocking call beyond the server's limit, as
// kill(2) would say it: -32000 EAGAIN.
func Busy() *jsonrpc2.Error {
	var e *jsonrpc2.Error
	errors.As(rpcError(&sigctl.OSError{Errno: syscall.EAGAIN, Reason: "too many blocking calls in flight"}), &e)
	return e
}

// BatchFull is the error for a batch member left unrun because the
// answers held for unfinished batches reached the output bound, as
// kill(2) would say it: -32000 EAGAIN.
func BatchFull() *jsonrpc2.Error {
	var e *jsonrpc2.Error
	errors.As(rpcError(&sigctl.OSError{Errno: syscall.EAGAIN, Reason: "batch answers over the output limit"}), &e)
	return e
}

// signalNumber resolves a signal param: a name is looked up (an unknown
// name is a -32602 error with data.reason ReasonUnknownSignal, echoing
// the name), and a number is returned unchecked.
func signalNumber(v rpc.IntOrString) (int64, error) {
	if !v.IsStr {
		return v.Int, nil
	}
	n, ok := parseName(v.Raw)
	if !ok {
		e := &jsonrpc2.Error{Code: jsonrpc2.CodeInvalidParams, Message: "unknown signal name"}
		e.SetError(struct {
			Signal json.RawMessage `json:"signal"`
			Reason string          `json:"reason"`
		}{rpc.AppendEcho(nil, v.Raw), ReasonUnknownSignal})
		return 0, e
	}
	return int64(n), nil
}

// parseName resolves the JSON string literal raw as a signal name. The
// common case, a short name without escapes, does not allocate.
func parseName(raw []byte) (sigctl.Signum, bool) {
	if bytes.IndexByte(raw, '\\') < 0 {
		return sigctl.Parse(string(raw[1 : len(raw)-1]))
	}
	var name string
	if json.Unmarshal(raw, &name) != nil {
		return 0, false
	}
	return sigctl.Parse(name)
}
