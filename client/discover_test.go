package client

// The client held against the helper's description of itself,
// rpc.discover (an OpenRPC document): every helper method is called by
// some Go method (or listed in notWrapped, with the reason); every param
// the helper takes is sent by some call, under its name and of its type;
// what a call sends when the Go signature leaves a param out is the
// helper's default; and the Go types results are decoded into match the
// result schemas member by member (names, JSON types, required or
// optional), so that a member added on either side fails here.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// notWrapped are the helper methods no Go method calls, and why.
var notWrapped = map[string]string{
	"rpc.discover": "describes the helper itself: this test reads it, and Client.Call can call it",
}

// notCalls are the exported methods that make no request of their own,
// and why.
var notCalls = map[string]string{
	"Client.Close":      "ends the helper; it makes no request",
	"Client.Pid":        "the helper's pid, known locally",
	"Client.Call":       "calls any method with the caller's params and result: nothing of its own to check",
	"Process.Pid":       "the pid captured by Client.Process",
	"Process.StartTime": "the start time captured by Client.Process",
}

// takenAsArgument are params with a helper default that a Go method takes
// as an argument instead (Go has no default arguments), and why.
var takenAsArgument = map[[2]string]string{
	{"kill", "signal"}:     "Kill and KillName take the signal as an argument, as syscall.Kill does",
	{"wait", "timeout_ms"}: "Wait takes its timeout as an argument; 0 checks once, as the helper's default does",
}

// resultTypes are the Go types the client decodes each method's result
// into.
var resultTypes = map[string]reflect.Type{
	"signum":    reflect.TypeFor[*int](),
	"kill":      reflect.TypeFor[bool](),
	"signals":   reflect.TypeFor[map[string]int](),
	"signame":   reflect.TypeFor[*string](),
	"inspect":   reflect.TypeFor[ProcessInfo](),
	"wait":      reflect.TypeFor[waitResult](),
	"terminate": reflect.TypeFor[Termination](),
	"children":  reflect.TypeFor[[]ChildInfo](),
}

// enums are the values the client knows for a string type the helper
// states an enum of.
var enums = map[reflect.Type][]string{
	reflect.TypeFor[TreeMethod](): {string(TreeForkEvents), string(TreeListing)},
}

// clientCall is one call of an exported method, on absentPID where it
// takes a pid (so it signals nothing).
type clientCall struct {
	name string // "Client.Kill", "Process.Signal"
	// minimal: only what the Go signature requires is given, so a param
	// it sends that has a helper default must be sent as that default.
	minimal bool
	run     func(context.Context, *Client) error
}

func clientCalls() []clientCall {
	absent := func(c *Client) *Process { return &Process{c: c, pid: absentPID, startTime: "1"} }
	return []clientCall{
		{"Client.Signum", true, func(ctx context.Context, c *Client) error { _, _, err := c.Signum(ctx, "TERM"); return err }},
		{"Client.Signals", true, func(ctx context.Context, c *Client) error { _, err := c.Signals(ctx); return err }},
		{"Client.Signame", true, func(ctx context.Context, c *Client) error { _, _, err := c.Signame(ctx, 15); return err }},
		{"Client.ExitStatusSigname", false, func(ctx context.Context, c *Client) error {
			_, _, err := c.ExitStatusSigname(ctx, 143)
			return err
		}},
		{"Client.Kill", true, func(ctx context.Context, c *Client) error { return c.Kill(ctx, absentPID, 0) }},
		{"Client.KillName", true, func(ctx context.Context, c *Client) error { return c.KillName(ctx, absentPID, "NONE") }},
		{"Client.Inspect", true, func(ctx context.Context, c *Client) error { _, err := c.Inspect(ctx, absentPID); return err }},
		{"Client.Wait", true, func(ctx context.Context, c *Client) error { _, err := c.Wait(ctx, absentPID, 0); return err }},
		{"Client.Terminate", true, func(ctx context.Context, c *Client) error {
			_, err := c.Terminate(ctx, absentPID, TerminateOptions{})
			return err
		}},
		{"Client.Terminate", false, func(ctx context.Context, c *Client) error {
			_, err := c.Terminate(ctx, absentPID, TerminateOptions{Signal: syscall.SIGINT, Escalate: syscall.SIGQUIT,
				Timeout: 2 * time.Second, EscalateTimeout: 3 * time.Second, Tree: true})
			return err
		}},
		{"Client.Terminate", false, func(ctx context.Context, c *Client) error {
			_, err := c.Terminate(ctx, absentPID, TerminateOptions{NoEscalate: true, Timeout: -1, EscalateTimeout: -1})
			return err
		}},
		{"Client.Children", true, func(ctx context.Context, c *Client) error { _, err := c.Children(ctx, absentPID); return err }},
		{"Client.Descendants", false, func(ctx context.Context, c *Client) error { _, err := c.Descendants(ctx, absentPID); return err }},
		{"Client.Process", true, func(ctx context.Context, c *Client) error { _, err := c.Process(ctx, absentPID); return err }},
		{"Process.Signal", true, func(ctx context.Context, c *Client) error { return absent(c).Signal(ctx, syscall.Signal(0)) }},
		{"Process.Kill", true, func(ctx context.Context, c *Client) error { return absent(c).Kill(ctx) }},
		{"Process.Wait", true, func(ctx context.Context, c *Client) error { _, err := absent(c).Wait(ctx, 0); return err }},
		{"Process.Terminate", true, func(ctx context.Context, c *Client) error {
			_, err := absent(c).Terminate(ctx, TerminateOptions{})
			return err
		}},
	}
}

// recordedCall is a clientCall with the requests it wrote.
type recordedCall struct {
	clientCall
	reqs []sentRequest
}

// discoveredMethod is a method as rpc.discover describes it.
type discoveredMethod struct {
	Name   string            `json:"name"`
	Params []discoveredParam `json:"params"`
	Result struct {
		Schema map[string]any `json:"schema"`
	} `json:"result"`
}

type discoveredParam struct {
	Name     string         `json:"name"`
	Required bool           `json:"required"`
	Schema   map[string]any `json:"schema"`
}

// discover returns the helper's methods by name, numbers as json.Number.
func discover(t *testing.T, c *Client) map[string]discoveredMethod {
	t.Helper()
	var raw json.RawMessage
	if err := c.Call(testCtx(t), "rpc.discover", nil, &raw); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenRPC string             `json:"openrpc"`
		Methods []discoveredMethod `json:"methods"`
	}
	if err := decodeNumbers(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenRPC, "1.") || len(doc.Methods) == 0 {
		t.Fatalf("not an OpenRPC 1 document: %.200s", raw)
	}
	methods := map[string]discoveredMethod{}
	for _, m := range doc.Methods {
		methods[m.Name] = m
	}
	return methods
}

// decodeNumbers decodes JSON data into v, numbers as json.Number.
func decodeNumbers(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec.Decode(v)
}

// record makes every clientCall and returns them with their requests.
func record(t *testing.T) []recordedCall {
	t.Helper()
	rec := newRecorder()
	c := newClient(t, nil, rec.opt())
	rec.take() // Start's own request
	var calls []recordedCall
	for _, cc := range clientCalls() {
		if err := cc.run(testCtx(t), c); err != nil && !errors.Is(err, syscall.ESRCH) {
			t.Errorf("%s: %v", cc.name, err)
		}
		calls = append(calls, recordedCall{cc, rec.take()})
	}
	return calls
}

func TestDiscoverMethodsAndParams(t *testing.T) {
	t.Parallel()
	helper := discover(t, newClient(t, nil))
	calls := record(t)
	for _, rc := range calls {
		if len(rc.reqs) == 0 {
			t.Errorf("%s wrote no request", rc.name)
		}
	}
	for _, p := range slices.Concat(methodProblems(helper, calls), paramProblems(helper, calls), goMethodProblems(clientCalls())) {
		t.Error(p)
	}
}

func TestDiscoverResults(t *testing.T) {
	t.Parallel()
	for _, p := range resultProblems(discover(t, newClient(t, nil)), resultTypes) {
		t.Error(p)
	}
}

// TestDiscoverFindsDrift changes the helper's description, or the client's
// types, as a later version could, and expects the checks to notice.
func TestDiscoverFindsDrift(t *testing.T) {
	t.Parallel()
	helper := discover(t, newClient(t, nil))
	calls := record(t)
	param := func(name string, def any) discoveredParam {
		s := map[string]any{"type": "integer"}
		if def != nil {
			s["default"] = def
		}
		return discoveredParam{Name: name, Schema: s}
	}
	property := func(m map[string]discoveredMethod, method string) map[string]any {
		return m[method].Result.Schema["properties"].(map[string]any)
	}
	for _, tc := range []struct {
		name    string
		change  func(map[string]discoveredMethod)
		problem string
	}{
		{"a new method", func(m map[string]discoveredMethod) { m["reap"] = discoveredMethod{Name: "reap"} }, `lacks the helper's method "reap"`},
		{"a new param", func(m map[string]discoveredMethod) {
			k := m["kill"]
			k.Params = append(k.Params, param("group", nil))
			m["kill"] = k
		}, `never sends kill's param "group"`},
		{"a param gone", func(m map[string]discoveredMethod) {
			k := m["children"]
			k.Params = k.Params[:1]
			m["children"] = k
		}, `sends "recursive", which children lacks`},
		{"a param now required", func(m map[string]discoveredMethod) {
			for i, p := range m["kill"].Params {
				if p.Name == "start_time" {
					m["kill"].Params[i].Required = true
				}
			}
		}, `Client.Kill does not send "start_time"`},
		{"a default changed", func(m map[string]discoveredMethod) {
			for _, p := range m["terminate"].Params {
				if p.Name == "timeout_ms" {
					p.Schema["default"] = json.Number("3000")
				}
			}
		}, `terminate's timeout_ms defaults to 3000 in the helper`},
		{"a param's type changed", func(m map[string]discoveredMethod) {
			for _, p := range m["signame"].Params {
				if p.Name == "exit_status" {
					p.Schema["type"] = "integer"
				}
			}
		}, `sends exit_status=false, not of type [integer]`},
		{"a result member added", func(m map[string]discoveredMethod) {
			property(m, "inspect")["cwd"] = map[string]any{"type": "string"}
		}, `inspect result: no Go field for "cwd"`},
		{"a result member gone", func(m map[string]discoveredMethod) {
			delete(property(m, "terminate"), "complete")
		}, `terminate result: the Go field Complete ("complete") is not in the schema`},
		{"a result member's type changed", func(m map[string]discoveredMethod) {
			property(m, "wait")["exited"] = map[string]any{"type": "integer"}
		}, `wait result.exited: integer in the helper, bool in Go`},
		{"a result member now required", func(m map[string]discoveredMethod) {
			s := m["terminate"].Result.Schema
			s["required"] = append(s["required"].([]any), "refused")
		}, `terminate result.refused: required by the helper, optional in Go`},
		{"an enum value added", func(m map[string]discoveredMethod) {
			s := property(m, "terminate")["method"].(map[string]any)
			s["enum"] = append(s["enum"].([]any), "ptrace")
		}, `terminate result.method: enum [fork-events listing ptrace] in the helper, [fork-events listing] in Go`},
	} {
		drifted := cloneMethods(t, helper)
		tc.change(drifted)
		found := slices.Concat(methodProblems(drifted, calls), paramProblems(drifted, calls), resultProblems(drifted, resultTypes))
		if !slices.ContainsFunc(found, func(p string) bool { return strings.Contains(p, tc.problem) }) {
			t.Errorf("%s: no problem says %q; found %q", tc.name, tc.problem, found)
		}
	}

	// A member added to a Go result type, and a Go method that calls nothing
	// known.
	types := map[string]reflect.Type{}
	for k, v := range resultTypes {
		types[k] = v
	}
	types["inspect"] = withField(reflect.TypeFor[ProcessInfo](), reflect.StructField{
		Name: "Cwd", Type: reflect.TypeFor[string](), Tag: `json:"cwd,omitempty"`})
	if found := resultProblems(helper, types); !slices.ContainsFunc(found, func(p string) bool {
		return strings.Contains(p, `inspect result: the Go field Cwd ("cwd") is not in the schema`)
	}) {
		t.Errorf("a Go field added to ProcessInfo: found %q", found)
	}
	if found := goMethodProblems(clientCalls()[1:]); !slices.Contains(found, "Client.Signum makes no call in clientCalls, and is not in notCalls") {
		t.Errorf("a Go method left out of clientCalls: found %q", found)
	}
}

// withField returns struct type t with f added.
func withField(t reflect.Type, f reflect.StructField) reflect.Type {
	var fields []reflect.StructField
	for i := range t.NumField() {
		fields = append(fields, t.Field(i))
	}
	return reflect.StructOf(append(fields, f))
}

func cloneMethods(t *testing.T, m map[string]discoveredMethod) map[string]discoveredMethod {
	t.Helper()
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]discoveredMethod
	if err := decodeNumbers(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// methodProblems returns the helper methods no call makes, and the
// methods calls make that the helper lacks.
func methodProblems(helper map[string]discoveredMethod, calls []recordedCall) []string {
	var problems []string
	called := map[string]bool{}
	for _, rc := range calls {
		for _, r := range rc.reqs {
			called[r.Method] = true
			if _, ok := helper[r.Method]; !ok {
				problems = append(problems, fmt.Sprintf("%s calls %q, which the helper lacks", rc.name, r.Method))
			}
		}
	}
	for _, name := range sortedKeys(helper) {
		switch {
		case notWrapped[name] != "" && called[name]:
			problems = append(problems, fmt.Sprintf("%q is listed in notWrapped, but %s calls it", name, "a Go method"))
		case notWrapped[name] == "" && !called[name]:
			problems = append(problems, fmt.Sprintf("the client lacks the helper's method %q (call it, or list it in notWrapped with the reason)", name))
		}
	}
	for _, name := range sortedKeys(notWrapped) {
		if _, ok := helper[name]; !ok {
			problems = append(problems, fmt.Sprintf("%q is listed in notWrapped, but the helper lacks it", name))
		}
	}
	return problems
}

// paramProblems checks the params the calls sent against the helper's.
func paramProblems(helper map[string]discoveredMethod, calls []recordedCall) []string {
	var problems []string
	sent := map[string]map[string]bool{} // method: params some call sent
	for _, rc := range calls {
		for _, r := range rc.reqs {
			m, ok := helper[r.Method]
			if !ok {
				continue
			}
			var params map[string]any
			if r.Params != nil {
				if err := decodeNumbers(r.Params, &params); err != nil {
					problems = append(problems, fmt.Sprintf("%s sends %s params %s, not named", rc.name, r.Method, r.Params))
					continue
				}
			}
			if sent[r.Method] == nil {
				sent[r.Method] = map[string]bool{}
			}
			for _, name := range sortedKeys(params) {
				sent[r.Method][name] = true
				i := slices.IndexFunc(m.Params, func(p discoveredParam) bool { return p.Name == name })
				if i < 0 {
					problems = append(problems, fmt.Sprintf("%s sends %q, which %s lacks", rc.name, name, r.Method))
					continue
				}
				if want := schemaTypes(m.Params[i].Schema); !slices.Contains(want, jsonType(params[name])) {
					problems = append(problems, fmt.Sprintf("%s sends %s=%v, not of type %v", rc.name, name, params[name], want))
				}
			}
			for _, p := range m.Params {
				v, given := params[p.Name]
				if p.Required && !given {
					problems = append(problems, fmt.Sprintf("%s does not send %q, which %s requires", rc.name, p.Name, r.Method))
				}
				def, hasDefault := p.Schema["default"]
				if !rc.minimal || !given || !hasDefault || takenAsArgument[[2]string{r.Method, p.Name}] != "" {
					continue
				}
				if !reflect.DeepEqual(v, def) {
					problems = append(problems, fmt.Sprintf("%s's %s defaults to %v in the helper; %s sends %v when it is not given",
						r.Method, p.Name, def, rc.name, v))
				}
			}
		}
	}
	for _, name := range sortedKeys(sent) {
		for _, p := range helper[name].Params {
			if !sent[name][p.Name] {
				problems = append(problems, fmt.Sprintf("the client never sends %s's param %q", name, p.Name))
			}
		}
	}
	for _, key := range sortedKeys(takenAsArgument) {
		i := slices.IndexFunc(helper[key[0]].Params, func(p discoveredParam) bool { return p.Name == key[1] })
		if i < 0 || helper[key[0]].Params[i].Schema["default"] == nil {
			problems = append(problems, fmt.Sprintf("takenAsArgument lists %s's %q, which has no helper default", key[0], key[1]))
		}
	}
	return problems
}

// goMethodProblems returns the exported methods of Client and Process that
// neither calls lists nor notCalls.
func goMethodProblems(calls []clientCall) []string {
	var problems []string
	named := map[string]bool{}
	for _, cc := range calls {
		named[cc.name] = true
	}
	seen := map[string]bool{}
	for _, typ := range []reflect.Type{reflect.TypeFor[*Client](), reflect.TypeFor[*Process]()} {
		for i := range typ.NumMethod() {
			name := typ.Elem().Name() + "." + typ.Method(i).Name
			seen[name] = true
			if !named[name] && notCalls[name] == "" {
				problems = append(problems, name+" makes no call in clientCalls, and is not in notCalls")
			}
		}
	}
	for _, name := range sortedKeys(notCalls) {
		if !seen[name] {
			problems = append(problems, "notCalls lists "+name+", which does not exist")
		}
	}
	return problems
}

// resultProblems compares each method's result schema with the Go type
// the client decodes it into.
func resultProblems(helper map[string]discoveredMethod, types map[string]reflect.Type) []string {
	var problems []string
	for _, name := range sortedKeys(helper) {
		if notWrapped[name] != "" {
			continue
		}
		t, ok := types[name]
		if !ok {
			problems = append(problems, fmt.Sprintf("no Go type for %s's result", name))
			continue
		}
		problems = append(problems, schemaProblems(name+" result", t, helper[name].Result.Schema)...)
	}
	for _, name := range sortedKeys(types) {
		if _, ok := helper[name]; !ok {
			problems = append(problems, fmt.Sprintf("resultTypes has %q, which the helper lacks", name))
		}
	}
	return problems
}

// schemaProblems compares the JSON Schema s with the Go type t a value of
// it is decoded into; path names the place.
func schemaProblems(path string, t reflect.Type, s map[string]any) []string {
	problem := func(format string, args ...any) []string {
		return []string{path + ": " + fmt.Sprintf(format, args...)}
	}
	if c, ok := s["const"]; ok {
		if c == true && t.Kind() == reflect.Bool {
			return nil
		}
		return problem("const %v in the helper, %v in Go", c, t)
	}
	types := schemaTypes(s)
	nullable := slices.Contains(types, "null")
	types = slices.DeleteFunc(types, func(s string) bool { return s == "null" })
	if nullable != (t.Kind() == reflect.Pointer) {
		return problem("nullable: %v in the helper; Go type %v", nullable, t)
	}
	if nullable {
		t = t.Elem()
	}
	if len(types) != 1 {
		return problem("type %v in the helper, which no Go type takes", types)
	}
	kinds := map[string][]reflect.Kind{
		"integer": {reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64},
		"string":  {reflect.String},
		"boolean": {reflect.Bool},
		"array":   {reflect.Slice},
		"object":  {reflect.Struct, reflect.Map},
	}
	if !slices.Contains(kinds[types[0]], t.Kind()) {
		return problem("%s in the helper, %v in Go", types[0], t)
	}
	switch types[0] {
	case "string":
		if enum, ok := s["enum"].([]any); ok {
			var want []string
			for _, v := range enum {
				want = append(want, fmt.Sprint(v))
			}
			sort.Strings(want)
			got := slices.Sorted(slices.Values(enums[t]))
			if !slices.Equal(want, got) {
				return problem("enum %v in the helper, %v in Go", want, got)
			}
		}
	case "array":
		items, _ := s["items"].(map[string]any)
		return schemaProblems(path+"[]", t.Elem(), items)
	case "object":
		if props, ok := s["properties"].(map[string]any); ok {
			return objectProblems(path, t, s, props)
		}
		values, ok := s["additionalProperties"].(map[string]any)
		if !ok || t.Kind() != reflect.Map || t.Key().Kind() != reflect.String {
			return problem("an object of any members in the helper, %v in Go", t)
		}
		return schemaProblems(path+"{}", t.Elem(), values)
	}
	return nil
}

// objectProblems compares an object schema's members with the fields of
// struct type t.
func objectProblems(path string, t reflect.Type, s, props map[string]any) []string {
	var problems []string
	if t.Kind() != reflect.Struct {
		return []string{fmt.Sprintf("%s: an object with members in the helper, %v in Go", path, t)}
	}
	if s["additionalProperties"] != false {
		problems = append(problems, path+": the helper may add members (additionalProperties is not false)")
	}
	required := map[string]bool{}
	if r, ok := s["required"].([]any); ok {
		for _, name := range r {
			required[fmt.Sprint(name)] = true
		}
	}
	type field struct {
		reflect.StructField
		omitempty bool
	}
	fields := map[string]field{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fields[name] = field{f, strings.Contains(opts, "omitempty")}
		if _, ok := props[name]; !ok {
			problems = append(problems, fmt.Sprintf("%s: the Go field %s (%q) is not in the schema", path, f.Name, name))
		}
	}
	for _, name := range sortedKeys(props) {
		f, ok := fields[name]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: no Go field for %q", path, name))
			continue
		}
		ft := f.Type
		optional := f.omitempty
		if ft.Kind() == reflect.Pointer && !slices.Contains(schemaTypes(props[name].(map[string]any)), "null") {
			ft, optional = ft.Elem(), true
		}
		switch {
		case required[name] && optional:
			problems = append(problems, fmt.Sprintf("%s.%s: required by the helper, optional in Go", path, name))
		case !required[name] && !optional:
			problems = append(problems, fmt.Sprintf("%s.%s: optional in the helper, required in Go (no omitempty)", path, name))
		}
		problems = append(problems, schemaProblems(path+"."+name, ft, props[name].(map[string]any))...)
	}
	return problems
}

// schemaTypes returns the JSON types a schema allows.
func schemaTypes(s map[string]any) []string {
	switch v := s["type"].(type) {
	case string:
		return []string{v}
	case []any:
		var types []string
		for _, t := range v {
			types = append(types, fmt.Sprint(t))
		}
		return types
	}
	return nil
}

// jsonType returns the JSON type of a value decoded with numbers as
// json.Number.
func jsonType(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		if _, err := v.Int64(); err == nil {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	}
	return "object"
}

func sortedKeys[K interface{ ~string | ~[2]string }, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b K) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
	return keys
}
