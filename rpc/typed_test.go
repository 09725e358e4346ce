package rpc

import (
	"context"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// everyKind has a param of each kind and shape Define reads.
type everyKind struct {
	N      int64        `json:"n" rpc:"required" summary:"a number"`
	S      string       `json:"s" default:"x"`
	B      bool         `json:"b" default:"true"`
	Sig    IntOrString  `json:"sig" default:"TERM"`
	Num    IntOrString  `json:"num" default:"9"`
	Opt    *string      `json:"opt"`
	OptN   *int64       `json:"opt_n"`
	Either *IntOrString `json:"either" rpc:"nullable" default:"KILL"`
}

// echoed is what the test method answers: what it was given.
type echoed struct {
	N      int64        `json:"n"`
	S      string       `json:"s"`
	B      bool         `json:"b"`
	Sig    string       `json:"sig"`
	Num    int64        `json:"num"`
	Opt    Null[string] `json:"opt"`
	OptN   Null[int64]  `json:"opt_n"`
	Either Null[string] `json:"either"`
}

func echoKinds(_ context.Context, p everyKind) (echoed, error) {
	out := echoed{N: p.N, S: p.S, B: p.B, Sig: p.Sig.Text(), Num: p.Num.Int}
	if p.Opt != nil {
		out.Opt = Null[string]{*p.Opt, true}
	}
	if p.OptN != nil {
		out.OptN = Null[int64]{*p.OptN, true}
	}
	if p.Either != nil {
		out.Either = Null[string]{string(p.Either.Raw), true}
	}
	return out, nil
}

func TestDefineDecodesEveryKindAndShape(t *testing.T) {
	m := Define(Method{Name: "kinds"}, echoKinds)
	srv := NewServer([]Method{m}, Options{Framing: FramingNDJSON})
	ps := startSession(t, srv)
	for _, c := range []struct{ params, want string }{
		{`[1]`, `{"n":1,"s":"x","b":true,"sig":"TERM","num":9,"opt":null,"opt_n":null,"either":"\"KILL\""}`},
		{`{"n":-2,"s":"y","b":false,"sig":"HUP","num":3,"opt":"o","opt_n":7,"either":null}`,
			`{"n":-2,"s":"y","b":false,"sig":"HUP","num":3,"opt":"o","opt_n":7,"either":null}`},
		{`{"n":0,"sig":15,"either":2}`, `{"n":0,"s":"x","b":true,"sig":"","num":9,"opt":null,"opt_n":null,"either":"2"}`},
		{`[5,"a\u00e9",true,"I\u004eT",1,"p",0,"QUIT"]`,
			`{"n":5,"s":"aé","b":true,"sig":"INT","num":1,"opt":"p","opt_n":0,"either":"\"QUIT\""}`},
	} {
		ps.send(t, call(1, "kinds", c.params))
		var resp struct{ Result json.RawMessage }
		if err := json.Unmarshal([]byte(ps.next(t)), &resp); err != nil {
			t.Fatal(err)
		}
		if string(resp.Result) != c.want {
			t.Errorf("params %s\n got %s\nwant %s", c.params, resp.Result, c.want)
		}
	}
	ps.send(t, call(1, "kinds", `{"n":1,"opt":null}`))
	if got := ps.next(t); !strings.Contains(got, `"code":-32602`) || !strings.Contains(got, `\"opt\" must be a string`) {
		t.Errorf("null for a param that is not nullable: %s", got)
	}
}

func TestDefineDerivesParams(t *testing.T) {
	m := Define(Method{Name: "kinds"}, echoKinds)
	want := []Param{
		{Name: "n", Kind: Integer, Required: true, Summary: "a number"},
		{Name: "s", Kind: String, Default: `"x"`},
		{Name: "b", Kind: Boolean, Default: "true"},
		{Name: "sig", Kind: IntegerOrString, Default: `"TERM"`},
		{Name: "num", Kind: IntegerOrString, Default: "9"},
		{Name: "opt", Kind: String},
		{Name: "opt_n", Kind: Integer},
		{Name: "either", Kind: IntegerOrString, Nullable: true, Default: `"KILL"`},
	}
	if m.Params != nil {
		t.Errorf("Define filled Params: %+v; they are derived on first use", m.Params)
	}
	if got := m.ParamList(); !reflect.DeepEqual(got, want) {
		t.Errorf("params\n got %+v\nwant %+v", got, want)
	}
}

func TestDefineRefusesATableBug(t *testing.T) {
	for name, define := range map[string]func(){
		"no json name": func() {
			m := Define(Method{Name: "m"}, func(context.Context, struct{ N int64 }) (True, error) { return True{}, nil })
			m.ParamList()
		},
		"unsupported type": func() {
			defineWith[struct {
				N int `json:"n"`
			}]()
		},
		"nullable, no pointer": func() {
			defineWith[struct {
				N int64 `json:"n" rpc:"nullable"`
			}]()
		},
		"pointer with default": func() {
			defineWith[struct {
				N *int64 `json:"n" default:"1"`
			}]()
		},
		"required with default": func() {
			defineWith[struct {
				N int64 `json:"n" rpc:"required" default:"1"`
			}]()
		},
		"unknown option": func() {
			defineWith[struct {
				N int64 `json:"n" rpc:"optional"`
			}]()
		},
		"params set": func() {
			Define(Method{Name: "m", Params: []Param{{Name: "n"}}}, func(context.Context, struct{}) (True, error) { return True{}, nil })
		},
		"result without schema": func() {
			m := Define(Method{Name: "m"}, func(context.Context, struct{}) (float64, error) { return 0, nil })
			m.ResultSchema()
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Define did not panic", name)
				}
			}()
			define()
		}()
	}
}

// defineWith defines a method whose params are P.
// defineWith defines a method whose params are P and asks for its params,
// which Define derives only then.
func defineWith[P any]() Method {
	m := Define(Method{Name: "m"}, func(context.Context, P) (True, error) { return True{}, nil })
	m.ParamList()
	return m
}

func TestSchemaOfIsExact(t *testing.T) {
	type inner struct {
		A int    `json:"a"`
		B string `json:"b,omitempty"`
	}
	type extra struct {
		C []inner `json:"c"`
	}
	type outer struct {
		Kind  string           `json:"kind" enum:"x,y" summary:"which"`
		Skip  int              `json:"-"`
		Zero  bool             `json:"zero,omitzero"`
		Named map[string]int64 `json:"named"`
		*extra
	}
	for _, c := range []struct {
		v    any
		want string
	}{
		{True{}, `{"const":true}`},
		{Null[int64]{}, `{"type":["integer","null"]}`},
		{Null[string]{}, `{"type":["string","null"]}`},
		{[]bool{}, `{"type":"array","items":{"type":"boolean"}}`},
		{outer{}, `{"type":"object","properties":{` +
			`"kind":{"type":"string","enum":["x","y"],"description":"which"},` +
			`"zero":{"type":"boolean"},` +
			`"named":{"type":"object","additionalProperties":{"type":"integer"}},` +
			`"c":{"type":"array","items":{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string"}},"required":["a"],"additionalProperties":false}}},` +
			`"required":["kind","named"],"additionalProperties":false}`},
	} {
		got, err := SchemaOf(reflect.TypeOf(c.v))
		if err != nil || got != c.want {
			t.Errorf("SchemaOf(%T)\n got %s, %v\nwant %s", c.v, got, err, c.want)
		}
		if !json.Valid([]byte(got)) {
			t.Errorf("SchemaOf(%T) is not JSON: %s", c.v, got)
		}
	}
}

func TestNullAndTrueEncode(t *testing.T) {
	for _, c := range []struct {
		v    any
		want string
	}{
		{True{}, `true`},
		{Null[int64]{V: 15, Valid: true}, `15`},
		{Null[int64]{V: 15}, `null`},
		{Null[string]{V: "TERM", Valid: true}, `"TERM"`},
		{struct{ N Null[string] }{}, `{"N":null}`},
	} {
		b, err := json.Marshal(c.v)
		if err != nil || string(b) != c.want {
			t.Errorf("json.Marshal(%#v) = %s, %v; want %s", c.v, b, err, c.want)
		}
	}
}

// TestDefinedScalarCallsDoNotAllocate holds the promise that a request to
// a method with scalar params and a True or Null[int64] result costs no
// allocation.
func TestDefinedScalarCallsDoNotAllocate(t *testing.T) {
	type params struct {
		Name IntOrString `json:"name" rpc:"required"`
		N    int64       `json:"n" default:"3"`
	}
	number := Define(Method{Name: "number"}, func(_ context.Context, p params) (Null[int64], error) {
		return Null[int64]{V: p.N + int64(len(p.Name.Raw)), Valid: true}, nil
	})
	done := Define(Method{Name: "done"}, func(_ context.Context, p params) (True, error) { return True{}, nil })
	srv := NewServer([]Method{number, done}, Options{}) // decodes the defaults
	var args Args
	if err := decodeParams([]byte(`["TERM"]`), srv.find([]byte("number")).decoded(), &args); err != nil {
		t.Fatal(err)
	}
	dst := make([]byte, 0, 64)
	for _, m := range []*Method{srv.find([]byte("number")), srv.find([]byte("done"))} {
		if allocs := testing.AllocsPerRun(100, func() {
			if _, err := m.Call(context.Background(), &args, dst[:0]); err != nil {
				t.Fatal(err)
			}
		}); allocs != 0 {
			t.Errorf("%s: %v allocations per call", m.Name, allocs)
		}
	}
	out, _ := srv.find([]byte("number")).Call(context.Background(), &args, nil)
	if string(out) != "9" {
		t.Errorf("number answered %s, want 9", out)
	}
}

// TestServerRefusesATableBug: a name listed twice panics in NewServer; a
// method with too many params, or a default its param cannot read, panics
// when the server first needs its params, at its first call.
func TestServerRefusesATableBug(t *testing.T) {
	call := func(context.Context, *Args, []byte) ([]byte, error) { return nil, nil }
	many := make([]Param, maxParams+1)
	for i := range many {
		many[i] = Param{Name: "p" + strconv.Itoa(i), Kind: Integer}
	}
	for name, bug := range map[string]func(){
		"listed twice": func() {
			NewServer([]Method{{Name: "m", Call: call}, {Name: "m", Call: call}}, Options{})
		},
		"too many params": func() {
			NewServer([]Method{{Name: "m", Params: many, Call: call}}, Options{}).find([]byte("m")).decoded()
		},
		"bad default": func() {
			NewServer([]Method{{Name: "m", Params: []Param{{Name: "n", Kind: Integer, Default: `"x"`}}, Call: call}}, Options{}).find([]byte("m")).decoded()
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			bug()
		}()
	}
}
