package service

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"
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
		return osError(osErr)
	case errors.As(err, &policyErr):
		data := rpc.AppendString([]byte(`{"reason":`), policyErr.Reason)
		return withData(&jsonrpc2.Error{Code: CodePolicy, Message: "refused by policy: " + policyErr.Reason}, append(data, '}'))
	case errors.As(err, &pidErr):
		return rpc.InvalidParam("pid", pidErr.Problem)
	case errors.Is(err, errors.ErrUnsupported):
		return &jsonrpc2.Error{Code: CodeUnsupported, Message: "unsupported on this platform"}
	}
	return err
}

// osError is the -32000 error for e: data has errno, errnum and, when e
// has one, reason. It writes data by hand: the server makes Busy and
// BatchFull at every start, and encoding/json's first use would cost a
// one-shot run more than its one call.
func osError(e *sigctl.OSError) *jsonrpc2.Error {
	data := rpc.AppendString([]byte(`{"errno":`), e.Name())
	data = strconv.AppendInt(append(data, `,"errnum":`...), int64(e.Errno), 10)
	if e.Reason != "" {
		data = rpc.AppendString(append(data, `,"reason":`...), e.Reason)
	}
	return withData(&jsonrpc2.Error{Code: CodeOSError, Message: e.Text()}, append(data, '}'))
}

// withData sets e's data to the JSON object data.
func withData(e *jsonrpc2.Error, data json.RawMessage) *jsonrpc2.Error {
	e.Data = &data
	return e
}

// Busy is the error for a blocking call beyond the server's limit, as
// kill(2) would say it: -32000 EAGAIN.
func Busy() *jsonrpc2.Error {
	return osError(&sigctl.OSError{Errno: syscall.EAGAIN, Reason: "too many blocking calls in flight"})
}

// BatchFull is the error for a batch member left unrun because the
// answers held for unfinished batches reached the output bound, as
// kill(2) would say it: -32000 EAGAIN.
func BatchFull() *jsonrpc2.Error {
	return osError(&sigctl.OSError{Errno: syscall.EAGAIN, Reason: "batch answers over the output limit"})
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
