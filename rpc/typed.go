package rpc

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unsafe"
)

// Define returns m with its params, result schema and Call made from the
// types of call: the fields of P are the params, and R is the result. m gives the
// rest (Name, Summary, Example, Blocking).
//
// Each field of P is one param, in declaration order (the order of
// positional params), described by its tags:
//
//	json:"name"      the param's wire name
//	rpc:"required"   the caller must pass it
//	rpc:"nullable"   JSON null is accepted, and leaves the field nil
//	default:"TERM"   the value an absent param takes, as the param's kind
//	                 reads it (an integer, true or false, or text)
//	summary:"..."    one line for rpc.discover and the docs
//
// The field's type gives its kind: int64 is Integer, string String, bool
// Boolean and IntOrString IntegerOrString. A pointer to one of these is
// nil when the param is absent without a default (or null, if nullable).
//
// The result is encoded as encoding/json encodes R, and its JSON Schema,
// which rpc.discover publishes, is derived from R: see SchemaOf.
//
// Both are derived when first asked for (ParamList and ResultSchema; a
// server asks for the params when the method is first called), so that a
// one-shot run pays only for the method it calls.
//
// Define panics on m with Params, Result or Call already set; a params
// type or tag it cannot read, or a result type without a schema, panics
// when first asked for. Either can only be a bug in a method table.
func Define[P, R any](m Method, call func(ctx context.Context, params P) (R, error)) Method {
	if m.Params != nil || m.Result != "" || m.Call != nil {
		panic("rpc: Define " + m.Name + ": Params, Result and Call come from the types")
	}
	name := m.Name
	type plan struct {
		fields []paramField
		params []Param
	}
	planOf := sync.OnceValue(func() plan {
		fields, params, err := paramsOf(reflect.TypeFor[P]())
		if err != nil {
			panic("rpc: Define " + name + ": " + err.Error())
		}
		return plan{fields, params}
	})
	m.paramsOf = func() []Param { return planOf().params }
	m.resultOf = sync.OnceValue(func() string {
		schema, err := schemaOf(reflect.TypeFor[R]())
		if err != nil {
			panic("rpc: Define " + name + ": result: " + err.Error())
		}
		return schema
	})
	m.Call = func(ctx context.Context, args *Args, dst []byte) ([]byte, error) {
		var p P // on the stack: fill writes through its address, which does not escape
		fill(unsafe.Pointer(&p), planOf().fields, args)
		r, err := call(ctx, p)
		if err != nil {
			return nil, err
		}
		return appendValue(dst, r)
	}
	return m
}

// appendValue appends the JSON encoding of r to dst; the common scalar
// results without allocating.
func appendValue[R any](dst []byte, r R) ([]byte, error) {
	switch v := any(r).(type) {
	case True:
		return append(dst, "true"...), nil
	case Null[int64]:
		if !v.Valid {
			return append(dst, "null"...), nil
		}
		return strconv.AppendInt(dst, v.V, 10), nil
	}
	b, err := json.Marshal(r)
	return append(dst, b...), err
}

// IntOrString is the value of an IntegerOrString param: an integer, or a
// string, as a signal is a number or a name.
type IntOrString struct {
	IsStr bool
	Int   int64 // the value, if !IsStr
	// Raw is the JSON text as received; for a string, the quoted literal,
	// which a method may match without decoding it. It is valid only
	// while the method runs.
	Raw []byte
}

// Text returns the decoded string, or "" if v is an integer.
func (v IntOrString) Text() string {
	if !v.IsStr {
		return ""
	}
	s, _ := unquote(v.Raw)
	return s
}

// True is the result of a method that answers true once it has done what
// it was asked. Its schema is {"const":true}.
type True struct{}

// MarshalJSON returns true.
func (True) MarshalJSON() ([]byte, error) { return []byte("true"), nil }

// JSONSchema returns {"const":true}.
func (True) JSONSchema() string { return `{"const":true}` }

// Null is a result that is V, or JSON null if Valid is false, as
// database/sql's Null. V must be a boolean, integer or string.
type Null[T any] struct {
	V     T
	Valid bool
}

// MarshalJSON returns V's JSON text, or null.
func (n Null[T]) MarshalJSON() ([]byte, error) {
	if !n.Valid {
		return []byte("null"), nil
	}
	return json.Marshal(n.V)
}

func (Null[T]) nullOf() reflect.Type { return reflect.TypeFor[T]() }

// A Schemer is a result type, or a type within one, that states its own
// JSON Schema: one whose encoding reflection cannot see, such as a custom
// MarshalJSON.
type Schemer interface {
	JSONSchema() string
}

// paramField is where one param's value goes in a params struct.
type paramField struct {
	offset uintptr      // of the struct field
	kind   Kind         // of the field, or of what it points to
	elem   reflect.Type // what the field points to; nil if it is no pointer
}

var intOrStringType = reflect.TypeFor[IntOrString]()

// paramsOf reads the params of a params struct type.
func paramsOf(t reflect.Type) ([]paramField, []Param, error) {
	if t.Kind() != reflect.Struct {
		return nil, nil, fmt.Errorf("params: %s is not a struct", t)
	}
	fields := []paramField{}
	params := []Param{}
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if !sf.IsExported() || name == "" || name == "-" {
			return nil, nil, fmt.Errorf("params: field %s needs a json name", sf.Name)
		}
		f := paramField{offset: sf.Offset}
		ft := sf.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
			f.elem = ft
		}
		switch {
		case ft == intOrStringType:
			f.kind = IntegerOrString
		case ft == reflect.TypeFor[int64]():
			f.kind = Integer
		case ft == reflect.TypeFor[string]():
			f.kind = String
		case ft == reflect.TypeFor[bool]():
			f.kind = Boolean
		default:
			return nil, nil, fmt.Errorf("param %q: type %s is not int64, string, bool or IntOrString", name, sf.Type)
		}
		p := Param{Name: name, Kind: f.kind, Summary: sf.Tag.Get("summary")}
		for opt := range strings.SplitSeq(sf.Tag.Get("rpc"), ",") {
			switch opt {
			case "":
			case "required":
				p.Required = true
			case "nullable":
				p.Nullable = true
			default:
				return nil, nil, fmt.Errorf("param %q: unknown rpc tag option %q", name, opt)
			}
		}
		if def, ok := sf.Tag.Lookup("default"); ok {
			p.Default = defaultJSON(def, f.kind)
		}
		switch {
		case p.Nullable && f.elem == nil:
			return nil, nil, fmt.Errorf("param %q: nullable, so it must be a pointer", name)
		case f.elem != nil && !p.Nullable && p.Default != "":
			return nil, nil, fmt.Errorf("param %q: a default is never absent: use %s", name, ft)
		case p.Required && (f.elem != nil || p.Default != ""):
			return nil, nil, fmt.Errorf("param %q: required, so neither a pointer nor a default", name)
		}
		fields = append(fields, f)
		params = append(params, p)
	}
	return fields, params, nil
}

// defaultJSON returns the JSON text of a default tag for a param of kind k.
func defaultJSON(def string, k Kind) string {
	switch k {
	case String:
		return quote(def)
	case IntegerOrString:
		if _, err := strconv.ParseInt(def, 10, 64); err != nil {
			return quote(def)
		}
	}
	return def // an integer or a boolean, checked by NewServer as it decodes it
}

// fill sets the fields of the params struct at p from args. It writes
// through unsafe pointers, at the offsets and with the types that paramsOf
// checked (a field of kind Integer is an int64, and so on), so that a
// params struct on the stack stays there: with reflect it would escape.
func fill(p unsafe.Pointer, fields []paramField, args *Args) {
	for i, f := range fields {
		v := &args.values[i]
		if !v.Set || v.Null {
			continue // the field stays zero: nil, for a pointer
		}
		at := unsafe.Add(p, f.offset)
		if f.elem != nil {
			target := reflect.New(f.elem).UnsafePointer()
			*(*unsafe.Pointer)(at) = target
			at = target
		}
		switch f.kind {
		case Integer:
			*(*int64)(at) = v.Int
		case String:
			*(*string)(at) = v.Str
		case Boolean:
			*(*bool)(at) = v.Bool
		case IntegerOrString:
			*(*IntOrString)(at) = IntOrString{IsStr: v.IsStr, Int: v.Int, Raw: v.Raw}
		}
	}
}

var (
	schemerType = reflect.TypeFor[Schemer]()
	nullerType  = reflect.TypeFor[interface{ nullOf() reflect.Type }]()
)

// SchemaOf returns the JSON Schema of the values encoding/json makes of
// type t, exact: a boolean, integer or string is its JSON type; a slice an
// array of its element; a map with string keys an object of its element;
// a struct an object whose properties are its fields, that requires those
// always present (not omitempty or omitzero, nor in an embedded pointer)
// and allows no other (additionalProperties false). A field's summary tag
// becomes its description and an enum tag (enum:"a,b") its enum. A Null
// is its value's type or null; a Schemer states its own schema. SchemaOf
// returns an error for any other type.
func SchemaOf(t reflect.Type) (string, error) { return schemaOf(t) }

func schemaOf(t reflect.Type) (string, error) {
	switch {
	case t.Implements(schemerType):
		return reflect.Zero(t).Interface().(Schemer).JSONSchema(), nil
	case t.Implements(nullerType):
		elem := reflect.Zero(t).Interface().(interface{ nullOf() reflect.Type }).nullOf()
		name, ok := jsonType(elem)
		if !ok {
			return "", fmt.Errorf("the value of a Null, %s, is not a boolean, integer or string", elem)
		}
		return `{"type":["` + name + `","null"]}`, nil
	}
	if name, ok := jsonType(t); ok {
		return `{"type":"` + name + `"}`, nil
	}
	switch t.Kind() {
	case reflect.Slice:
		items, err := schemaOf(t.Elem())
		return `{"type":"array","items":` + items + `}`, err
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			break
		}
		values, err := schemaOf(t.Elem())
		return `{"type":"object","additionalProperties":` + values + `}`, err
	case reflect.Struct:
		var o object
		if err := o.addFields(t, false); err != nil {
			return "", err
		}
		return o.schema(), nil
	}
	return "", fmt.Errorf("type %s has no JSON Schema here", t)
}

// jsonType returns the JSON Schema type name of a boolean, integer or
// string type.
func jsonType(t reflect.Type) (string, bool) {
	switch t.Kind() {
	case reflect.Bool:
		return "boolean", true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer", true
	case reflect.String:
		return "string", true
	}
	return "", false
}

// object gathers the properties of a struct's schema, in field order.
type object struct {
	properties []string // "name":schema
	required   []string // quoted names
}

// addFields adds the fields of struct type t; optional marks them all
// optional (the fields of an embedded pointer).
func (o *object) addFields(t reflect.Type, optional bool) error {
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if sf.Anonymous && name == "" {
			et := sf.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() != reflect.Struct {
				return fmt.Errorf("%s: embedded %s is not a struct", t, sf.Type)
			}
			if err := o.addFields(et, optional || sf.Type.Kind() == reflect.Pointer); err != nil {
				return err
			}
			continue
		}
		if !sf.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			return fmt.Errorf("%s.%s: no json name", t, sf.Name)
		}
		s, err := schemaOf(sf.Type)
		if err != nil {
			return fmt.Errorf("%s.%s: %w", t, sf.Name, err)
		}
		s, err = annotate(s, sf.Tag)
		if err != nil {
			return fmt.Errorf("%s.%s: %w", t, sf.Name, err)
		}
		o.properties = append(o.properties, quote(name)+":"+s)
		omit := strings.Contains(","+opts+",", ",omitempty,") || strings.Contains(","+opts+",", ",omitzero,")
		if !optional && !omit {
			o.required = append(o.required, quote(name))
		}
	}
	return nil
}

// schema returns the object's JSON Schema.
func (o *object) schema() string {
	s := `{"type":"object","properties":{` + strings.Join(o.properties, ",") + "}"
	if len(o.required) > 0 {
		s += `,"required":[` + strings.Join(o.required, ",") + "]"
	}
	return s + `,"additionalProperties":false}`
}

// annotate adds a field's enum and summary tags to its schema s.
func annotate(s string, tag reflect.StructTag) (string, error) {
	extra := ""
	if enum, ok := tag.Lookup("enum"); ok {
		values, err := json.Marshal(strings.Split(enum, ","))
		if err != nil {
			return "", err
		}
		extra += `,"enum":` + string(values)
	}
	if summary, ok := tag.Lookup("summary"); ok {
		extra += `,"description":` + quote(summary)
	}
	if extra == "" {
		return s, nil
	}
	if !strings.HasPrefix(s, "{") || !strings.HasSuffix(s, "}") || s == "{}" {
		return "", fmt.Errorf("cannot annotate schema %s", s)
	}
	return s[:len(s)-1] + extra + "}", nil
}

// quote returns s as a JSON string.
func quote(s string) string {
	return string(AppendString(nil, s))
}
