package client

import (
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/sourcegraph/jsonrpc2"
)

// The helper's application error codes (PROTOCOL.md, section 4).
const (
	codeOSError     = -32000
	codePolicy      = -32001
	codeUnsupported = -32002
)

// ErrHelperExited is matched (with errors.Is) by the *ExitError that every
// pending and later call returns once the helper has exited or the client
// has been closed.
var ErrHelperExited = errors.New("sigrpc: the helper exited")

// ErrUnknownSignal is matched (with errors.Is) by the error for a signal
// name the helper's platform does not know.
var ErrUnknownSignal = errors.New("sigrpc: unknown signal name")

// ExitError reports that the helper has exited, or that the client was
// closed, before a call was answered. It matches ErrHelperExited.
type ExitError struct {
	// ProcessState is the helper's exit status; nil if it was not known
	// when the error was made (as for calls ended by Close).
	ProcessState *os.ProcessState
	// Stderr is the end (up to 4 KiB) of what the helper wrote to stderr.
	Stderr string
	// Closed reports that Close ended the call.
	Closed bool
}

func (e *ExitError) Error() string {
	var b strings.Builder
	b.WriteString("sigrpc: the helper exited")
	switch {
	case e.Closed:
		b.WriteString(": the client was closed")
	case e.ProcessState != nil:
		b.WriteString(" (" + e.ProcessState.String() + ")")
	}
	if s := strings.TrimSpace(e.Stderr); s != "" {
		b.WriteString("; stderr: " + s)
	}
	return b.String()
}

// Is reports whether target is ErrHelperExited.
func (e *ExitError) Is(target error) bool { return target == ErrHelperExited }

// OSError is an operating system failure the helper reported (JSON-RPC
// error -32000). It unwraps to its Errno, so errors.Is(err,
// syscall.ESRCH) works. An ESRCH from a Process method also matches
// os.ErrProcessDone, as os.Process.Signal's does.
type OSError struct {
	Method string        // the helper method, such as "kill"
	Errno  syscall.Errno // such as syscall.ESRCH
	Reason string        // the helper's detail, such as "start_time mismatch"; often empty

	processDone bool
}

func (e *OSError) Error() string {
	s := "sigrpc " + e.Method + ": " + e.Errno.Error()
	if e.Reason != "" {
		s += " (" + e.Reason + ")"
	}
	return s
}

// Unwrap returns e.Errno.
func (e *OSError) Unwrap() error { return e.Errno }

// Is reports whether target is os.ErrProcessDone and e says that a
// Process's process has gone.
func (e *OSError) Is(target error) bool { return target == os.ErrProcessDone && e.processDone }

// RefusedError reports that the helper's policy refused the request;
// nothing was sent (JSON-RPC error -32001).
type RefusedError struct {
	Method string // the helper method, such as "kill"
	// Reason is why: "broadcast", "process-group", "self", "init",
	// "uid" or "not-descendant" (for a tree's root also "ancestor").
	Reason string
}

func (e *RefusedError) Error() string {
	return "sigrpc " + e.Method + ": refused by policy: " + e.Reason
}

// Error is any other JSON-RPC error the helper answered with. It matches
// ErrUnknownSignal for an unknown signal name, and errors.ErrUnsupported
// for a method the helper's platform lacks (-32002).
type Error struct {
	Method  string          // the helper method
	Code    int64           // the JSON-RPC error code, such as -32602 for invalid params
	Message string          // the helper's message
	Data    json.RawMessage // the error's data member; nil if it had none
}

func (e *Error) Error() string {
	s := "sigrpc " + e.Method + ": " + e.Message
	if e.unknownSignal() {
		var data struct {
			Signal *string `json:"signal"`
		}
		if json.Unmarshal(e.Data, &data) == nil && data.Signal != nil {
			s += " " + strconv.Quote(*data.Signal)
		}
	}
	if e.Code != jsonrpc2.CodeInvalidParams {
		s += " (JSON-RPC error " + strconv.FormatInt(e.Code, 10) + ")"
	}
	return s
}

// Is reports whether target is ErrUnknownSignal or errors.ErrUnsupported
// and e is that error.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrUnknownSignal:
		return e.unknownSignal()
	case errors.ErrUnsupported:
		return e.Code == codeUnsupported
	}
	return false
}

func (e *Error) unknownSignal() bool {
	return e.Code == jsonrpc2.CodeInvalidParams && reason(e.Data) == "unknown-signal"
}

// reason returns data.reason, "" if there is none.
func reason(data json.RawMessage) string {
	var d struct {
		Reason string `json:"reason"`
	}
	json.Unmarshal(data, &d)
	return d.Reason
}

// mapError returns the error for the helper's answer e to a method call.
func mapError(method string, e *jsonrpc2.Error) error {
	var data json.RawMessage
	if e.Data != nil {
		data = *e.Data
	}
	switch e.Code {
	case codeOSError:
		var d struct {
			Errnum *int   `json:"errnum"`
			Reason string `json:"reason"`
		}
		if json.Unmarshal(data, &d) == nil && d.Errnum != nil {
			return &OSError{Method: method, Errno: syscall.Errno(*d.Errnum), Reason: d.Reason}
		}
	case codePolicy:
		return &RefusedError{Method: method, Reason: reason(data)}
	}
	return &Error{Method: method, Code: e.Code, Message: e.Message, Data: data}
}

// processError marks an ESRCH from a Process method as os.ErrProcessDone.
func processError(err error) error {
	var osErr *OSError
	if errors.As(err, &osErr) && osErr.Errno == syscall.ESRCH {
		osErr.processDone = true
	}
	return err
}
