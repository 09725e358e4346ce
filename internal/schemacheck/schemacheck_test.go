package schemacheck

import (
	"strings"
	"testing"
)

const doc = `{"openrpc":"1.3.2","methods":[
{"name":"wait","result":{"name":"waitResult","schema":{"type":"object","properties":{"exited":{"type":"boolean"}},"required":["exited"],"additionalProperties":false}}},
{"name":"signum","result":{"name":"signumResult","schema":{"type":["integer","null"]}}},
{"name":"rpc.discover","result":{"name":"r","schema":{"$ref":"https://example.com/schema.json"}}}]}`

func TestCheckHoldsResultsToTheirSchema(t *testing.T) {
	c, err := New([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, ok := range []struct{ method, result string }{
		{"wait", `{"exited":true}`}, {"signum", `15`}, {"signum", `null`},
	} {
		if err := c.Check(ok.method, []byte(ok.result)); err != nil {
			t.Errorf("%s %s: %v", ok.method, ok.result, err)
		}
	}
	for _, bad := range []struct{ method, result string }{
		{"wait", `{"exited":true,"extra":1}`}, // a member the schema does not declare
		{"wait", `{}`},                        // a required member missing
		{"wait", `{"exited":"yes"}`},
		{"signum", `"TERM"`},
		{"signum", `1.5`},
		{"rpc.discover", `{}`}, // not checkable here
		{"nosuch", `1`},
	} {
		if err := c.Check(bad.method, []byte(bad.result)); err == nil {
			t.Errorf("%s %s: passed", bad.method, bad.result)
		} else if !strings.Contains(err.Error(), bad.method) {
			t.Errorf("%s: the error does not name the method: %v", bad.method, err)
		}
	}
}
