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

// requestError returns an error whose data.reason names the problem, so
// that a client can fix its request.
func requestError(code int64, message, reason string) *jsonrpc2.Error {
	return errorWithData(code, message, "reason", reason)
}

// errorWithData returns an error whose data is the object {key: value},
// written without encoding/json so that the package's init, which makes
// the fixed errors, does not pay for its first use at every start.
func errorWithData(code int64, message, key, value string) *jsonrpc2.Error {
	data := AppendString(append(AppendString([]byte{'{'}, key), ':'), value)
	raw := json.RawMessage(append(data, '}'))
	return &jsonrpc2.Error{Code: code, Message: message, Data: &raw}
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
	dst = AppendString(dst, e.Message)
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
// a name), byte for byte, except for what would make the output something
// other than valid UTF-8 text: each byte that is not part of valid UTF-8,
// and each \u escape of a surrogate that is not half of a pair (a high
// surrogate followed at once by the escape of a low one), is replaced by
// the escape \ufffd (U+FFFD), the character encoding/json decodes either
// to. Both can only occur inside strings, where the escape keeps the JSON
// valid; a valid pair is kept as it is.
func AppendEcho(dst, raw []byte) []byte {
	if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return append(dst, raw...)
	}
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '\\' && i+1 < len(raw) && raw[i+1] == 'u':
			n := escapeLen(raw[i:])
			if n == 0 {
				dst = append(dst, `\ufffd`...)
				n = 6
			} else {
				dst = append(dst, raw[i:i+n]...)
			}
			i += n
		case c == '\\' && i+1 < len(raw):
			dst = append(dst, raw[i:i+2]...) // a one-letter escape, such as \\ or \"
			i += 2
		case c < utf8.RuneSelf:
			dst = append(dst, c)
			i++
		default:
			r, n := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && n == 1 {
				dst = append(dst, `\ufffd`...)
			} else {
				dst = append(dst, raw[i:i+n]...)
			}
			i += n
		}
	}
	return dst
}

// escapeLen returns the length of the \u escape at the start of b that
// stands for a character: 6 for a code point outside the surrogates, 12
// for a surrogate pair; or 0 for the escape of a lone surrogate. Of a
// malformed escape, which valid JSON does not contain, it returns 2, the
// length of "\u", so that the rest is copied as it is.
func escapeLen(b []byte) int {
	u, ok := hexEscape(b)
	switch {
	case !ok:
		return 2
	case u < 0xd800 || u > 0xdfff:
		return 6
	case u >= 0xdc00: // a low surrogate with no high one before it
		return 0
	}
	if lo, ok := hexEscape(b[6:]); ok && lo >= 0xdc00 && lo <= 0xdfff {
		return 12
	}
	return 0
}

// hexEscape decodes the \uXXXX escape at the start of b.
func hexEscape(b []byte) (rune, bool) {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
		return 0, false
	}
	var u rune
	for _, c := range b[2:6] {
		switch {
		case '0' <= c && c <= '9':
			u = u<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			u = u<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			u = u<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return u, true
}

// AppendString appends s as a JSON string literal: '"' and '\\' escaped,
// control characters as \b, \f, \n, \r, \t or \u00XX, U+2028 and U+2029 as \u
// escapes, and each byte that is not part of valid UTF-8 as \ufffd, as
// encoding/json writes them (it also escapes <, > and &; this does not).
func AppendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0 // s[start:i] is still to be appended as it is
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		var esc string
		n := 1
		switch {
		case c == '"' || c == '\\':
			esc = "\\" + string(c)
		case c == '\n':
			esc = `\n`
		case c == '\r':
			esc = `\r`
		case c == '\t':
			esc = `\t`
		case c == '\b':
			esc = `\b`
		case c == '\f':
			esc = `\f`
		case c < 0x20:
			esc = `\u00` + string(hex[c>>4]) + string(hex[c&0xf])
		default:
			var r rune
			r, n = utf8.DecodeRuneInString(s[i:])
			switch {
			case r == utf8.RuneError && n == 1:
				esc = `\ufffd`
			case r == '\u2028' || r == '\u2029':
				esc = `\u202` + string(hex[r&0xf])
			default:
				i += n
				continue
			}
		}
		dst = append(append(dst, s[start:i]...), esc...)
		i += n
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
