package service

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/sigrpc/sigrpc/sigctl"
)

// TestResultSchemasAreExact holds every result schema of the table to
// what a generated client needs: an object lists the members that are
// always there as required and allows no others.
func TestResultSchemasAreExact(t *testing.T) {
	for _, m := range Methods(nil) {
		var schema any
		if err := json.Unmarshal([]byte(m.ResultSchema()), &schema); err != nil {
			t.Fatalf("%s: result schema %s: %v", m.Name, m.Result, err)
		}
		checkExact(t, m.Name, schema)
	}
}

// checkExact fails t for each object schema within s that allows
// undeclared members, or that says nothing of its members at all.
func checkExact(t *testing.T, where string, s any) {
	obj, ok := s.(map[string]any)
	if !ok {
		return
	}
	if props, ok := obj["properties"].(map[string]any); ok {
		if obj["additionalProperties"] != false {
			t.Errorf("%s: an object schema allows undeclared members: %v", where, obj)
		}
		for name, p := range props {
			checkExact(t, where+"."+name, p)
		}
	} else if obj["type"] == "object" && obj["additionalProperties"] == nil {
		t.Errorf("%s: an object schema says nothing of its members: %v", where, obj)
	}
	if items, ok := obj["items"]; ok {
		checkExact(t, where+"[]", items)
	}
	if values, ok := obj["additionalProperties"].(map[string]any); ok {
		checkExact(t, where+"{}", values)
	}
}

// TestTreeMethodsAreInTheSchema ties terminate's method enum to sigctl's
// constants.
func TestTreeMethodsAreInTheSchema(t *testing.T) {
	var schema struct {
		Properties struct {
			Method struct {
				Enum []string `json:"enum"`
			} `json:"method"`
		} `json:"properties"`
	}
	for _, m := range Methods(nil) {
		if m.Name == "terminate" {
			if err := json.Unmarshal([]byte(m.ResultSchema()), &schema); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := []string{sigctl.MethodListing, sigctl.MethodForkEvents}
	if !slices.Equal(schema.Properties.Method.Enum, want) {
		t.Errorf("terminate's method enum is %v; sigctl finds members by %v", schema.Properties.Method.Enum, want)
	}
}
