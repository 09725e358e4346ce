package rpc

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/sourcegraph/jsonrpc2"

	"github.com/sigrpc/sigrpc/signal"
)

// The application error codes (PROTOCOL.md section 4).
const (
	CodeOSError     = -32000 // an operating system error; data has errno and errnum
	CodePolicy      = -32001 // refused by policy; data has reason
	CodeUnsupported = -32002 // not supported on this platform
)

// errTooManyBlocking answers a blocking call beyond Options.MaxBlocking.
var errTooManyBlocking = errorFor(&signal.OSError{
	Errno:  syscall.EAGAIN,
	Reason: "too many blocking calls in flight",
})

// errorFor maps an error from package signal to its JSON-RPC error.
func errorFor(err error) *jsonrpc2.Error {
	var osErr *signal.OSError
	var policyErr *signal.PolicyError
	switch {
	case errors.As(err, &osErr):
		e := &jsonrpc2.Error{Code: CodeOSError, Message: osErr.Text()}
		e.SetError(osErrorData{Errno: osErr.Name(), Errnum: int(osErr.Errno), Reason: osErr.Reason})
		return e
	case errors.As(err, &policyErr):
		e := &jsonrpc2.Error{Code: CodePolicy, Message: "refused by policy: " + policyErr.Reason}
		e.SetError(struct {
			Reason string `json:"reason"`
		}{policyErr.Reason})
		return e
	case errors.Is(err, signal.ErrUnsupported):
		return &jsonrpc2.Error{Code: CodeUnsupported, Message: "unsupported on this platform"}
	case errors.Is(err, signal.ErrPIDRange):
		return invalidParam("pid", "is out of range (it must fit in 32 bits)")
	}
	return &jsonrpc2.Error{Code: jsonrpc2.CodeInternalError, Message: fmt.Sprintf("Internal error: %v", err)}
}

// osErrorData is the data of a -32000 error.
type osErrorData struct {
	Errno  string `json:"errno"`
	Errnum int    `json:"errnum"`
	Reason string `json:"reason,omitempty"`
}
