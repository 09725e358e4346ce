// Package schemacheck holds JSON-RPC results to the result schemas of an
// OpenRPC document, as rpc.discover publishes it. Tests use it to check
// every answer they see against its method's schema.
package schemacheck

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// A Checker validates results against the schemas it was made from. It is
// safe for concurrent use.
type Checker struct {
	schemas map[string]*jsonschema.Schema
}

// New compiles the result schema of each method of doc, an OpenRPC
// document. A method whose schema refers to another document (rpc.discover,
// whose result is the OpenRPC meta-schema) is left out: Check refuses it.
func New(doc []byte) (*Checker, error) {
	var d struct {
		Methods []struct {
			Name   string `json:"name"`
			Result struct {
				Schema json.RawMessage `json:"schema"`
			} `json:"result"`
		} `json:"methods"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("reading the OpenRPC document: %w", err)
	}
	c := &Checker{schemas: make(map[string]*jsonschema.Schema)}
	for _, m := range d.Methods {
		if bytes.Contains(m.Result.Schema, []byte(`"$ref"`)) {
			continue
		}
		schema, err := jsonschema.UnmarshalJSON(bytes.NewReader(m.Result.Schema))
		if err != nil {
			return nil, fmt.Errorf("%s: result schema: %w", m.Name, err)
		}
		compiler := jsonschema.NewCompiler()
		url := "sigrpc:" + m.Name + "Result"
		if err := compiler.AddResource(url, schema); err != nil {
			return nil, fmt.Errorf("%s: result schema: %w", m.Name, err)
		}
		if c.schemas[m.Name], err = compiler.Compile(url); err != nil {
			return nil, fmt.Errorf("%s: result schema: %w", m.Name, err)
		}
	}
	return c, nil
}

// Check returns an error that says how result breaks the result schema of
// method, or nil if it is valid.
func (c *Checker) Check(method string, result json.RawMessage) error {
	schema, ok := c.schemas[method]
	if !ok {
		return fmt.Errorf("%s: no result schema to check against", method)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(result))
	if err != nil {
		return fmt.Errorf("%s: result %s: %w", method, result, err)
	}
	if err := schema.Validate(v); err != nil {
		return fmt.Errorf("%s: result %s does not match its schema: %w", method, result, err)
	}
	return nil
}

// Methods returns the names of the methods c can check.
func (c *Checker) Methods() []string {
	names := make([]string, 0, len(c.schemas))
	for name := range c.schemas {
		names = append(names, name)
	}
	return names
}

// DiscoverRequest asks for the OpenRPC document, as one ndjson line.
const DiscoverRequest = `{"jsonrpc":"2.0","id":1,"method":"rpc.discover"}` + "\n"

// FromAnswer returns a Checker for the document in answer, the response
// to DiscoverRequest.
func FromAnswer(answer []byte) (*Checker, error) {
	var a struct {
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(answer, &a); err != nil || a.Result == nil {
		return nil, fmt.Errorf("not an answer to rpc.discover: %.200s", answer)
	}
	return New(a.Result)
}
