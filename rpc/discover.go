package rpc

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
)

// discoverName is the OpenRPC service discovery method every Server has.
const discoverName = "rpc.discover"

// openRPCDocument builds an OpenRPC 1.x document from the method table the
// dispatcher uses, so the two cannot drift apart.
func openRPCDocument(methods []*Method, version string) []byte {
	type schemaParam struct {
		Name     string          `json:"name"`
		Summary  string          `json:"summary,omitempty"`
		Required bool            `json:"required"`
		Schema   json.RawMessage `json:"schema"`
	}
	type result struct {
		Name   string          `json:"name"`
		Schema json.RawMessage `json:"schema"`
	}
	type method struct {
		Name           string        `json:"name"`
		Summary        string        `json:"summary,omitempty"`
		ParamStructure string        `json:"paramStructure"`
		Params         []schemaParam `json:"params"`
		Result         result        `json:"result"`
	}
	sorted := slices.SortedFunc(slices.Values(methods), func(a, b *Method) int { return strings.Compare(a.Name, b.Name) })
	doc := struct {
		OpenRPC string            `json:"openrpc"`
		Info    map[string]string `json:"info"`
		Methods []method          `json:"methods"`
	}{OpenRPC: "1.3.2", Info: map[string]string{"title": "sigrpc", "version": version}}
	for _, m := range sorted {
		schema := m.ResultSchema()
		if schema == "" {
			schema = "{}" // any value
		}
		out := method{Name: m.Name, Summary: m.Summary, ParamStructure: "either", Params: []schemaParam{},
			Result: result{Name: m.Name + "Result", Schema: json.RawMessage(schema)}}
		for _, p := range m.ParamList() {
			out.Params = append(out.Params, schemaParam{Name: p.Name, Summary: p.Summary, Required: p.Required, Schema: p.schema()})
		}
		doc.Methods = append(doc.Methods, out)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic("rpc: building the OpenRPC document: " + err.Error())
	}
	return b
}

// schema returns the JSON Schema of p's values.
func (p Param) schema() json.RawMessage {
	types := map[Kind]string{Integer: `"integer"`, String: `"string"`, Boolean: `"boolean"`, IntegerOrString: `["integer","string"]`}[p.Kind]
	if p.Nullable {
		types = map[Kind]string{Integer: `["integer","null"]`, String: `["string","null"]`, Boolean: `["boolean","null"]`, IntegerOrString: `["integer","string","null"]`}[p.Kind]
	}
	s := `{"type":` + types
	if p.Default != "" {
		s += `,"default":` + p.Default
	}
	return json.RawMessage(s + "}")
}

// discoverMethod is rpc.discover, answering with doc().
func discoverMethod(doc func() []byte) Method {
	return Method{
		Name:    discoverName,
		Summary: "This service's OpenRPC document.",
		Result:  `{"$ref":"https://raw.githubusercontent.com/open-rpc/meta-schema/master/schema.json"}`,
		Example: `[]`,
		Call: func(_ context.Context, _ *Args, dst []byte) ([]byte, error) {
			return append(dst, doc()...), nil
		},
	}
}
