package rpc

import (
	"bytes"
	"encoding/json"
)

// This file walks raw JSON text that validJSON has already accepted. It
// finds the extent of values without decoding them, so that ids can be
// echoed byte for byte and params decoded without reflection.

// isSpace reports whether c is JSON insignificant whitespace.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

// trimSpace returns b without leading and trailing JSON whitespace.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// valueLen returns the length of the valid JSON value at the start of b.
func valueLen(b []byte) int {
	switch b[0] {
	case '"':
		return stringLen(b)
	case '{', '[':
		return compositeLen(b)
	}
	i := 1
	for i < len(b) && !isSpace(b[i]) && b[i] != ',' && b[i] != '}' && b[i] != ']' {
		i++
	}
	return i
}

// stringLen returns the length of the JSON string literal at the start of b,
// quotes included.
func stringLen(b []byte) int {
	for i := 1; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// compositeLen returns the length of the object or array at the start of b.
func compositeLen(b []byte) int {
	depth := 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '"':
			i += stringLen(b[i:]) - 1
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return len(b)
}

// elements iterates over the members of a valid JSON object or the elements
// of a valid JSON array. The zero value is not usable; see newElements.
type elements struct {
	rest   []byte
	object bool
}

// newElements starts an iteration over the object or array v.
func newElements(v []byte) elements {
	return elements{rest: v[1 : len(v)-1], object: v[0] == '{'}
}

// next returns the next member: key is the raw quoted key (nil for arrays)
// and value the raw value. ok is false when there are no more.
func (e *elements) next() (key, value []byte, ok bool) {
	b := trimSpace(e.rest)
	if len(b) > 0 && b[0] == ',' {
		b = trimSpace(b[1:])
	}
	if len(b) == 0 {
		return nil, nil, false
	}
	if e.object {
		n := stringLen(b)
		key = b[:n]
		b = trimSpace(b[n:])
		b = trimSpace(b[1:]) // the colon
	}
	n := valueLen(b)
	value = b[:n]
	e.rest = b[n:]
	return key, value, true
}

// unquote decodes the JSON string literal s. The fast path, a literal with
// no escapes, returns its contents without decoding.
func unquote(s []byte) (string, bool) {
	if len(s) < 2 || s[0] != '"' {
		return "", false
	}
	if bytes.IndexByte(s, '\\') < 0 {
		return string(s[1 : len(s)-1]), true
	}
	var out string
	if err := json.Unmarshal(s, &out); err != nil {
		return "", false
	}
	return out, true
}

// literalEquals reports whether the JSON string literal s decodes to want.
func literalEquals(s []byte, want string) bool {
	if len(s) == len(want)+2 && s[0] == '"' && string(s[1:len(s)-1]) == want {
		return true
	}
	if bytes.IndexByte(s, '\\') < 0 {
		return false
	}
	got, ok := unquote(s)
	return ok && got == want
}
