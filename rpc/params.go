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
	Nullable bool // JSON null is accepted and means "none"
	// Default is the value, as JSON text, that an absent param takes: the
	// method sees it as if the caller had sent it, and rpc.discover
	// documents it. "" means none: the param is then absent (Value.Set is
	// false).
	Default string
	Summary string

	def Value // Default, decoded once by NewServer
}

// Value is one decoded parameter. Raw aliases the request's bytes and is
// valid only while the method runs; the other fields are owned copies.
type Value struct {
	Set   bool   // the caller passed the param, or it has a default
	Null  bool   // JSON null (Nullable params only)
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

// Args are the params of one request, decoded against its method's Params
// by name, with defaults in place of absent params. A method reads them by
// name, never by position.
type Args struct {
	params []Param
	values [maxParams]Value
}

// Value returns the param called name. Asking for a name the method does
// not declare is a bug in the method table, and panics (the panic becomes
// a -32603 answer).
func (a *Args) Value(name string) Value {
	for i := range a.params {
		if a.params[i].Name == name {
			return a.values[i]
		}
	}
	panic("rpc: no param " + strconv.Quote(name))
}

// Int returns the Integer param called name.
func (a *Args) Int(name string) int64 { return a.Value(name).Int }

// String returns the String param called name ("" if absent).
func (a *Args) String(name string) string { return a.Value(name).Str }

// Bool returns the Boolean param called name.
func (a *Args) Bool(name string) bool { return a.Value(name).Bool }

// detach returns a copy of a whose Raw values no longer alias the
// request's bytes, for methods that outlive the read buffer.
func (a *Args) detach() *Args {
	c := *a
	for i := range c.values[:len(c.params)] {
		c.values[i].Raw = append(json.RawMessage(nil), c.values[i].Raw...)
	}
	return &c
}

// decodeDefault decodes p.Default into p.def. A default that does not
// decode is a bug in the method table.
func (p *Param) decodeDefault() {
	if p.Default == "" {
		return
	}
	if err := decodeValue([]byte(p.Default), *p, &p.def); err != nil {
		panic(fmt.Sprintf("rpc: param %q: bad default %s", p.Name, p.Default))
	}
}

// decodeParams decodes raw, the request's params (nil if absent), against
// params into args. Positional params are matched in order; named params
// by name. Unknown, duplicate, missing, surplus and mistyped params are
// errors naming the param.
func decodeParams(raw []byte, params []Param, args *Args) *jsonrpc2.Error {
	args.params = params
	values := args.values[:len(params)]
	clear(values)
	if raw != nil {
		if err := assignParams(raw, params, values); err != nil {
			return err
		}
	}
	for i, p := range params {
		switch {
		case values[i].Set:
		case p.Required:
			return InvalidParam(p.Name, "is required")
		default:
			values[i] = p.def
		}
	}
	return nil
}

// assignParams decodes each member of the params object or array.
func assignParams(raw []byte, params []Param, values []Value) *jsonrpc2.Error {
	it := newMembers(raw)
	for i := 0; ; i++ {
		key, val, ok := it.next()
		if !ok {
			return nil
		}
		idx := i
		if key != nil {
			idx = paramIndex(params, key)
			if idx < 0 {
				name, _ := unquote(key)
				return InvalidParam(name, "is not a parameter of this method")
			}
			if values[idx].Set {
				return InvalidParam(params[idx].Name, "is given twice")
			}
		} else if idx >= len(params) {
			return &jsonrpc2.Error{
				Code:    jsonrpc2.CodeInvalidParams,
				Message: fmt.Sprintf("invalid params: too many (this method takes %d)", len(params)),
			}
		}
		if err := decodeValue(val, params[idx], &values[idx]); err != nil {
			return err
		}
	}
}

// paramIndex returns the index of the param named by the quoted key, or -1.
func paramIndex(params []Param, key []byte) int {
	for i, p := range params {
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
	return InvalidParam(p.Name, "must be "+p.Kind.article())
}

// isNumber reports whether c starts a JSON number.
func isNumber(c byte) bool { return c == '-' || (c >= '0' && c <= '9') }

// decodeInteger decodes a JSON number that must be an int64 integer.
func decodeInteger(raw []byte, p Param, v *Value) *jsonrpc2.Error {
	for _, c := range raw {
		if c == '.' || c == 'e' || c == 'E' {
			return InvalidParam(p.Name, "must be an integer (no fraction or exponent)")
		}
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return InvalidParam(p.Name, "is out of range")
	}
	v.Int = n
	return nil
}

// InvalidParam returns the -32602 error for the param called name, with
// data.param naming it; problem completes the sentence
// `invalid params: "name" ...`.
func InvalidParam(name, problem string) *jsonrpc2.Error {
	return errorWithData(jsonrpc2.CodeInvalidParams, fmt.Sprintf("invalid params: %q %s", name, problem), "param", name)
}

// Signature returns p as a method's signature lists it: its name, then
// " = " and its default, or "?" if it is optional without one.
func (p Param) Signature() string {
	switch {
	case p.Default != "":
		return p.Name + " = " + p.Default
	case !p.Required:
		return p.Name + "?"
	}
	return p.Name
}
