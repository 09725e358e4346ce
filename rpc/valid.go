package rpc

import (
	"bytes"
	"encoding/json"
)

// This file is the package's one JSON scanner. It validates JSON text,
// accepting exactly what json.Valid accepts (FuzzValid compares the two),
// and finds the extent of values without decoding them, so that a request
// is validated while its members are found, ids are echoed byte for byte,
// and params are decoded without reflection.

// maxDepth is the deepest nesting of arrays and objects accepted, the same
// limit as encoding/json's.
const maxDepth = 10000

// validJSON reports whether b is one JSON value, with optional whitespace
// around it.
func validJSON(b []byte) bool {
	end, ok := scanValue(b, skipSpace(b, 0))
	return ok && skipSpace(b, end) == len(b)
}

// skipSpace returns the index of the first non-whitespace byte of b at or
// after i, or len(b).
func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// scanValue validates the JSON value that starts at b[i] and returns the
// index just after it.
func scanValue(b []byte, i int) (int, bool) {
	if i < len(b) && (b[i] == '{' || b[i] == '[') {
		return scanComposite(b, i)
	}
	return scanScalar(b, i)
}

// scanScalar validates the string, number or literal at b[i] and returns
// the index just after it.
func scanScalar(b []byte, i int) (int, bool) {
	if i >= len(b) {
		return i, false
	}
	switch b[i] {
	case '"':
		return scanString(b, i)
	case 't':
		return scanLiteral(b, i, "true")
	case 'f':
		return scanLiteral(b, i, "false")
	case 'n':
		return scanLiteral(b, i, "null")
	}
	return scanNumber(b, i)
}

// scanLiteral checks that lit is at b[i].
func scanLiteral(b []byte, i int, lit string) (int, bool) {
	if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
		return i + len(lit), true
	}
	return i, false
}

// scanString validates the string literal whose opening quote is at b[i].
// Like encoding/json, it rejects control characters and bad escapes but
// not invalid UTF-8.
func scanString(b []byte, i int) (int, bool) {
	for i++; i < len(b); i++ {
		c := b[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue // the common case: a byte that stands for itself
		}
		switch {
		case c == '"':
			return i + 1, true
		case c < 0x20:
			return i, false
		default: // a backslash
			if i++; i >= len(b) {
				return i, false
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(b)-i < 5 || !isHex(b[i+1]) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) {
					return i, false
				}
				i += 4
			default:
				return i, false
			}
		}
	}
	return i, false
}

// isHex reports whether c is a hexadecimal digit.
func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// scanNumber validates the number at b[i]: an optional minus, an integer
// part without leading zeros, then an optional fraction and exponent.
func scanNumber(b []byte, i int) (int, bool) {
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		i = skipDigits(b, i+1)
	default:
		return i, false
	}
	if i < len(b) && b[i] == '.' {
		j := skipDigits(b, i+1)
		if j == i+1 {
			return j, false
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := skipDigits(b, i)
		if j == i {
			return j, false
		}
		i = j
	}
	return i, true
}

// skipDigits returns the index of the first byte of b at or after i that
// is not a decimal digit.
func skipDigits(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}

// scanComposite validates the object or array that opens at b[i]. It keeps
// its own stack of open containers rather than recursing, so the nesting
// depth costs no goroutine stack; up to 64 levels it does not allocate.
func scanComposite(b []byte, i int) (int, bool) {
	var small [64]byte
	closers := small[:0] // the closing byte of each open container
	for {
		// A value starts at b[i], which is in range.
		if c := b[i]; c == '{' || c == '[' {
			if len(closers) == maxDepth {
				return i, false
			}
			closer := c + 2 // '{'+2 is '}' and '['+2 is ']'
			i = skipSpace(b, i+1)
			if i >= len(b) || b[i] != closer {
				closers = append(closers, closer)
				var ok bool
				if i, ok = scanMemberStart(b, i, closer); !ok {
					return i, false
				}
				continue // to the first member's value
			}
			i++ // an empty object or array
		} else {
			var ok bool
			if i, ok = scanScalar(b, i); !ok {
				return i, false
			}
		}
		// A value ended at i: close what ends here, or start the next member.
		for {
			if len(closers) == 0 {
				return i, true
			}
			closer := closers[len(closers)-1]
			if i = skipSpace(b, i); i >= len(b) {
				return i, false
			}
			if b[i] == ',' {
				var ok bool
				if i, ok = scanMemberStart(b, skipSpace(b, i+1), closer); !ok {
					return i, false
				}
				break
			}
			if b[i] != closer {
				return i, false
			}
			closers = closers[:len(closers)-1]
			i++
		}
	}
}

// scanMemberStart validates what precedes a member's value inside the
// container that closer ends: nothing in an array, a key and a colon in an
// object. It returns the index where the value starts, which is in range.
func scanMemberStart(b []byte, i int, closer byte) (int, bool) {
	if closer == '}' {
		var ok bool
		if _, i, ok = scanKey(b, i); !ok {
			return i, false
		}
	}
	return i, i < len(b)
}

// scanKey validates an object member's key, which starts at b[i], and the
// colon after it. It returns the index just after the key and the index
// where the member's value starts, which is in range.
func scanKey(b []byte, i int) (keyEnd, valueStart int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return i, i, false
	}
	if keyEnd, ok = scanString(b, i); !ok {
		return keyEnd, keyEnd, false
	}
	if i = skipSpace(b, keyEnd); i >= len(b) || b[i] != ':' {
		return keyEnd, i, false
	}
	i = skipSpace(b, i+1)
	return keyEnd, i, i < len(b)
}

// members iterates over the members of a JSON object or the elements of a
// JSON array, validating each as it goes. The zero value is not usable;
// see newMembers.
type members struct {
	b          []byte
	i          int  // where the next member starts, or -1 once the container has ended
	end        int  // the index just past the closing bracket, once it has ended
	closer     byte // '}' or ']'
	needMember bool // a comma came last: a member must follow
	bad        bool // the text is not valid JSON
}

// newMembers starts an iteration over the object or array that opens at
// v[0].
func newMembers(v []byte) members {
	return members{b: v, i: skipSpace(v, 1), closer: v[0] + 2} // '{'+2 is '}', '['+2 is ']'
}

// next returns the next member: key is the raw quoted key (nil in an
// array) and val the raw value. It reports false at the end of the
// container, and when the text is not valid JSON, which invalid then
// reports.
func (m *members) next() (key, val []byte, ok bool) {
	b, i := m.b, m.i
	switch {
	case i < 0:
		return nil, nil, false
	case i < len(b) && b[i] == m.closer && !m.needMember:
		m.i, m.end = -1, i+1
		return nil, nil, false
	}
	if m.closer == '}' {
		keyEnd, start, ok := scanKey(b, i)
		if !ok {
			return m.fail()
		}
		key, i = b[i:keyEnd], start
	}
	if i >= len(b) {
		return m.fail()
	}
	var end int
	var valid bool
	switch b[i] { // scanValue, written out: this is the hottest loop
	case '"':
		end, valid = scanString(b, i)
	case '{', '[':
		end, valid = scanComposite(b, i)
	default:
		end, valid = scanScalar(b, i)
	}
	if !valid {
		return m.fail()
	}
	val = b[i:end]
	switch next := skipSpace(b, end); {
	case next < len(b) && b[next] == ',':
		m.i, m.needMember = skipSpace(b, next+1), true
	case next < len(b) && b[next] == m.closer:
		m.i, m.needMember = next, false
	default:
		return m.fail()
	}
	return key, val, true
}

// fail marks the text invalid and ends the iteration.
func (m *members) fail() ([]byte, []byte, bool) {
	m.i, m.bad = -1, true
	return nil, nil, false
}

// invalid reports whether the text was found not to be valid JSON.
func (m *members) invalid() bool { return m.bad }

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
