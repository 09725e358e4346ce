package rpc

import (
	"bytes"
	"context"
	"encoding/json"
	"sort"
	"strings"
	"testing"
)

// TestDiscoverListsExactlyTheDispatchedMethods checks rpc.discover against
// the dispatcher's own table, and that each listed method dispatches.
func TestDiscoverListsExactlyTheDispatchedMethods(t *testing.T) {
	srv := NewServer(testMethods(nil, nil), Options{Version: "9.9.9"})
	var out bytes.Buffer
	in := `{"jsonrpc":"2.0","id":1,"method":"rpc.discover"}` + "\n"
	if err := srv.Serve(context.Background(), strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	var resp struct {
		Result struct {
			OpenRPC string
			Info    struct{ Version string }
			Methods []struct {
				Name   string
				Params []struct {
					Name     string
					Required bool
					Schema   struct{ Default json.RawMessage }
				}
			}
		}
	}
	if err := json.Unmarshal(out.Bytes(), &resp); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	doc := resp.Result
	if !strings.HasPrefix(doc.OpenRPC, "1.") || doc.Info.Version != "9.9.9" {
		t.Fatalf("document head: %+v", doc)
	}
	var listed, dispatched []string
	for _, m := range doc.Methods {
		listed = append(listed, m.Name)
		spec := srv.find([]byte(m.Name))
		if spec == nil {
			t.Errorf("rpc.discover lists %q, which is not dispatched", m.Name)
			continue
		}
		if len(m.Params) != len(spec.Params) {
			t.Errorf("%s: %d params listed, %d decoded", m.Name, len(m.Params), len(spec.Params))
		}
		for i, p := range m.Params {
			if i < len(spec.Params) && (p.Name != spec.Params[i].Name || p.Required != spec.Params[i].Required ||
				string(p.Schema.Default) != spec.Params[i].Default) {
				t.Errorf("%s param %d: listed %+v, decoded %+v", m.Name, i, p, spec.Params[i])
			}
		}
	}
	for _, m := range srv.methods {
		dispatched = append(dispatched, m.Name)
	}
	sort.Strings(dispatched)
	if strings.Join(listed, ",") != strings.Join(dispatched, ",") {
		t.Errorf("listed %v, dispatched %v", listed, dispatched)
	}
}
