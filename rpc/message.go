package rpc

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/sourcegraph/jsonrpc2"
)

// request is one validated request. Its fields alias the message's bytes.
type request struct {
	id        []byte // the id exactly as received (JSON text); nil for a notification
	notif     bool   // no id member: run, never answered
	params    []byte // the params' JSON text; nil if absent
	methodRaw []byte // the method's JSON string literal
	method    string // the method's name, once looked up
}

// The errors for messages that are not requests. They are answered with
// id null, and their data.reason says what was wrong.
var (
	errParse      = requestError(jsonrpc2.CodeParseError, "Parse error", "not JSON")
	errNotObject  = requestError(jsonrpc2.CodeInvalidRequest, "Invalid Request", "a request must be an object")
	errVersion    = requestError(jsonrpc2.CodeInvalidRequest, "Invalid Request", `jsonrpc must be "2.0"`)
	errMethodType = requestError(jsonrpc2.CodeInvalidRequest, "Invalid Request", "method must be a string")
	errParamsType = requestError(jsonrpc2.CodeInvalidRequest, "Invalid Request", "params must be an object or array")
	errIDType     = requestError(jsonrpc2.CodeInvalidRequest, "Invalid Request", "id must be a string, number or null")
	errEmptyBatch = requestError(jsonrpc2.CodeInvalidRequest, "Invalid Request: empty batch", "empty batch")
)

// requestError returns a -32700 or -32600 error whose data.reason names
// the problem, so that a client can fix its request.
func requestError(code int64, message, reason string) *jsonrpc2.Error {
	e := &jsonrpc2.Error{Code: code, Message: message}
	e.SetError(struct {
		Reason string `json:"reason"`
	}{reason})
	return e
}

// parseRequest validates b, a message with no surrounding whitespace, as
// JSON and as a JSON-RPC 2.0 request in one pass, and fills req, whose
// fields alias b. Invalid JSON anywhere is a parse error, whatever else is
// wrong. Members other than jsonrpc, method, params and id are ignored; a
// repeated member counts by its last value.
func parseRequest(b []byte, req *request) *jsonrpc2.Error {
	*req = request{}
	if len(b) == 0 || b[0] != '{' {
		if validJSON(b) {
			return errNotObject
		}
		return errParse
	}
	req.notif = true
	version := false
	it := newMembers(b)
	for {
		key, val, ok := it.next()
		if !ok {
			break
		}
		switch memberName(key) {
		case "jsonrpc":
			version = literalEquals(val, "2.0")
		case "method":
			req.methodRaw = val
		case "params":
			req.params = val
		case "id":
			req.id, req.notif = val, false
		}
	}
	if it.invalid() || it.end != len(b) {
		return errParse // invalid JSON, or something after the object
	}
	return req.check(version)
}

// check validates what parseRequest found: the version, the method, the
// params' type and the id's type.
func (req *request) check(version bool) *jsonrpc2.Error {
	switch {
	case !version:
		return errVersion
	case req.methodRaw == nil || req.methodRaw[0] != '"':
		return errMethodType
	case req.params != nil && req.params[0] != '{' && req.params[0] != '[':
		return errParamsType
	case req.id != nil && !validID(req.id):
		return errIDType
	}
	return nil
}

// memberName returns the request member that key (a JSON string literal)
// names, or "" for any other member.
func memberName(key []byte) string {
	switch string(key) {
	case `"jsonrpc"`:
		return "jsonrpc"
	case `"method"`:
		return "method"
	case `"params"`:
		return "params"
	case `"id"`:
		return "id"
	}
	if bytes.IndexByte(key, '\\') < 0 {
		return ""
	}
	name, _ := unquote(key)
	switch name {
	case "jsonrpc", "method", "params", "id":
		return name
	}
	return ""
}

// validID reports whether id is a string, a number or null.
func validID(id []byte) bool {
	c := id[0]
	return c == '"' || c == 'n' || isNumber(c)
}

// nullID is the id of responses to messages whose id is unknown.
var nullID = []byte("null")

// appendResult appends a success response to dst.
func appendResult(dst, id, result []byte) []byte {
	dst = appendHead(dst, id)
	dst = append(dst, `,"result":`...)
	dst = append(dst, result...)
	return append(dst, '}')
}

// appendError appends an error response to dst.
func appendError(dst, id []byte, e *jsonrpc2.Error) []byte {
	dst = appendHead(dst, id)
	dst = append(dst, `,"error":{"code":`...)
	dst = strconv.AppendInt(dst, e.Code, 10)
	dst = append(dst, `,"message":`...)
	dst = appendString(dst, e.Message)
	if e.Data != nil {
		dst = append(dst, `,"data":`...)
		dst = append(dst, *e.Data...)
	}
	return append(dst, "}}"...)
}

// appendHead appends the members every response starts with.
func appendHead(dst, id []byte) []byte {
	if id == nil {
		id = nullID
	}
	dst = append(dst, `{"jsonrpc":"2.0","id":`...)
	return AppendEcho(dst, id)
}

// AppendEcho appends raw, valid JSON text received from the client (an id,
// a name), byte for byte, except that each byte that is not part of valid UTF-8 is
// replaced by the escape \ufffd (U+FFFD), as encoding/json replaces it:
// the output is always valid UTF-8. Invalid bytes can only occur inside
// strings, where the escape keeps the JSON valid.
func AppendEcho(dst, raw []byte) []byte {
	if utf8.Valid(raw) {
		return append(dst, raw...)
	}
	for len(raw) > 0 {
		r, n := utf8.DecodeRune(raw)
		if r == utf8.RuneError && n == 1 {
			dst = append(dst, `\ufffd`...)
		} else {
			dst = append(dst, raw[:n]...)
		}
		raw = raw[n:]
	}
	return dst
}

// appendString appends s as a JSON string literal.
func appendString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			b, _ := json.Marshal(s)
			return append(dst, b...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}
