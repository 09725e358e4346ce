package rpc

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/sourcegraph/jsonrpc2"
)

// Kind is the JSON type a parameter accepts.
type Kind int

// The parameter kinds.
const (
	// Integer is a JSON integer: digits with an optional minus sign, no
	// fraction, no exponent, within the int64 range.
	Integer Kind = iota + 1
	// String is a JSON string.
	String
	// Boolean is true or false.
	Boolean
	// IntegerOrString is either, as a signal is a number or a name.
	IntegerOrString
)

// article returns k as a noun phrase for error messages.
func (k Kind) article() string {
	switch k {
	case Integer:
		return "an integer"
	case String:
		return "a string"
	case Boolean:
		return "a boolean"
	}
	return "an integer or a string"
}

// Param describes one parameter of a method.
type Param struct {
	Name     string
	Kind     Kind
	Required bool
	Nullable bool   // JSON null is accepted and means "none"
	Default  string // the default as JSON text, for documentation; "" if none
	Summary  string
}

// Value is one decoded parameter. Raw aliases the request's bytes and is
// valid only while the method runs; the other fields are owned copies.
type Value struct {
	Set   bool   // the caller passed the parameter
	Null  bool   // the caller passed JSON null (Nullable params only)
	IsStr bool   // a String, or an IntegerOrString param given as a string (see Text)
	Int   int64  // the value of an Integer, or of IntegerOrString given as a number
	Str   string // the value of a String
	Bool  bool   // the value of a Boolean
	Raw   []byte // the JSON text as received
}

// Text returns the decoded string of a String or IntegerOrString value.
func (v Value) Text() string {
	if v.Str != "" || !v.IsStr {
		return v.Str
	}
	s, _ := unquote(v.Raw)
	return s
}

// maxParams bounds the parameters of any method, so that decoded values
// fit in a fixed array.
const maxParams = 8

// decodeParams decodes raw, the request's params (nil if absent), against
// spec into args, which must have room for len(spec) values. Positional
// params are matched in order; named params by name. Unknown, duplicate,
// missing, surplus and mistyped params are errors naming the param.
func decodeParams(raw []byte, spec []Param, args []Value) *jsonrpc2.Error {
	args = args[:len(spec)]
	clear(args)
	if raw != nil {
		if err := assignParams(raw, spec, args); err != nil {
			return err
		}
	}
	for i, p := range spec {
		if p.Required && !args[i].Set {
			return invalidParam(p.Name, "is required")
		}
	}
	return nil
}

// assignParams decodes each member of the params object or array.
func assignParams(raw []byte, spec []Param, args []Value) *jsonrpc2.Error {
	it := newElements(raw)
	for i := 0; ; i++ {
		key, val, ok := it.next()
		if !ok {
			return nil
		}
		idx := i
		if key != nil {
			idx = paramIndex(spec, key)
			if idx < 0 {
				name, _ := unquote(key)
				return invalidParam(name, "is not a parameter of this method")
			}
			if args[idx].Set {
				return invalidParam(spec[idx].Name, "is given twice")
			}
		} else if idx >= len(spec) {
			return &jsonrpc2.Error{
				Code:    jsonrpc2.CodeInvalidParams,
				Message: fmt.Sprintf("invalid params: too many (this method takes %d)", len(spec)),
			}
		}
		if err := decodeValue(val, spec[idx], &args[idx]); err != nil {
			return err
		}
	}
}

// paramIndex returns the index of the param named by the quoted key, or -1.
func paramIndex(spec []Param, key []byte) int {
	for i, p := range spec {
		if literalEquals(key, p.Name) {
			return i
		}
	}
	return -1
}

// decodeValue decodes one JSON value for param p into v.
func decodeValue(raw []byte, p Param, v *Value) *jsonrpc2.Error {
	*v = Value{Set: true, Raw: raw}
	switch {
	case raw[0] == 'n' && p.Nullable:
		v.Null = true
		return nil
	case raw[0] == '"' && p.Kind == String:
		v.Str, _ = unquote(raw)
		v.IsStr = true
		return nil
	case raw[0] == '"' && p.Kind == IntegerOrString:
		v.IsStr = true // decoded on use, by Value.Text, to spare an allocation
		return nil
	case (raw[0] == 't' || raw[0] == 'f') && p.Kind == Boolean:
		v.Bool = raw[0] == 't'
		return nil
	case isNumber(raw[0]) && (p.Kind == Integer || p.Kind == IntegerOrString):
		return decodeInteger(raw, p, v)
	}
	return invalidParam(p.Name, "must be "+p.Kind.article())
}

// isNumber reports whether c starts a JSON number.
func isNumber(c byte) bool { return c == '-' || (c >= '0' && c <= '9') }

// decodeInteger decodes a JSON number that must be an int64 integer.
func decodeInteger(raw []byte, p Param, v *Value) *jsonrpc2.Error {
	for _, c := range raw {
		if c == '.' || c == 'e' || c == 'E' {
			return invalidParam(p.Name, "must be an integer (no fraction or exponent)")
		}
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return invalidParam(p.Name, "is out of range")
	}
	v.Int = n
	return nil
}

// invalidParam is the -32602 error for param name; problem completes the
// sentence "invalid params: "name" ...".
func invalidParam(name, problem string) *jsonrpc2.Error {
	e := &jsonrpc2.Error{
		Code:    jsonrpc2.CodeInvalidParams,
		Message: fmt.Sprintf("invalid params: %q %s", name, problem),
	}
	e.SetError(struct {
		Param string `json:"param"`
	}{name})
	return e
}

// copyArgs returns a copy of args whose Raw fields no longer alias the
// request's bytes, for methods that outlive the read buffer.
func copyArgs(args []Value) []Value {
	out := make([]Value, len(args))
	for i, v := range args {
		v.Raw = append(json.RawMessage(nil), v.Raw...)
		out[i] = v
	}
	return out
}
