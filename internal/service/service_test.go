package service

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sigrpc/sigrpc/internal/conformance"
	"github.com/sigrpc/sigrpc/rpc"
	"github.com/sigrpc/sigrpc/sigctl"
)

// fakeController answers like a system where no process exists. The fuzz
// target uses it: a fuzzer can spell kill(1, 9) as easily as anything.
type fakeController struct{}

var errNoProcess = &sigctl.OSError{Errno: syscall.ESRCH}

func (fakeController) Kill(sigctl.Target, sigctl.Signum) error { return errNoProcess }
func (fakeController) Inspect(int) (sigctl.Info, error)        { return sigctl.Info{}, errNoProcess }
func (fakeController) Wait(context.Context, int, time.Duration) (bool, error) {
	return true, nil
}
func (fakeController) Terminate(context.Context, sigctl.Target, sigctl.TerminateOptions) (sigctl.Termination, error) {
	return sigctl.Termination{}, errNoProcess
}
func (fakeController) Children(int, bool) ([]sigctl.Child, error) { return nil, errNoProcess }

// FuzzParams: any params for any method give a well-formed response with
// the request's id, never an internal error.
func FuzzParams(f *testing.F) {
	methods := Methods(fakeController{})
	for _, seed := range []string{`[]`, `{}`, `[1]`, `["TERM"]`, `{"pid":1,"signal":"KILL"}`, `[1,"x",1.5]`,
		`{"pid":2,"escalate":null,"timeout_ms":5}`, `[true,false,null]`, `{"name":"\u0054ERM"}`} {
		for i := range methods {
			f.Add(uint8(i), seed)
		}
	}
	srv := rpc.NewServer(methods, rpc.Options{Framing: rpc.FramingNDJSON, MaxMessageBytes: 4096})
	f.Fuzz(func(t *testing.T, which uint8, params string) {
		m := methods[int(which)%len(methods)]
		req := `{"jsonrpc":"2.0","id":7,"method":"` + m.Name + `","params":` + params + `}`
		if !json.Valid([]byte(req)) || strings.ContainsAny(params, "\n\r") {
			return
		}
		var out bytes.Buffer
		if err := srv.Serve(context.Background(), strings.NewReader(req+"\n"), &out); err != nil {
			t.Fatal(err)
		}
		var resp struct {
			ID    json.RawMessage
			Error *struct{ Code int }
		}
		if err := json.Unmarshal(out.Bytes(), &resp); err != nil {
			t.Fatalf("%s(%s): not a response: %s", m.Name, params, out.String())
		}
		if resp.Error != nil && resp.Error.Code == -32600 {
			return // too large for the limit
		}
		if string(resp.ID) != "7" || (resp.Error != nil && resp.Error.Code == -32603) {
			t.Fatalf("%s(%s): %s", m.Name, params, out.String())
		}
	})
}

// TestEveryMethodHasAnExampleThatDecodes: --help shows each method's
// example request; each must be a valid call of the method.
func TestEveryMethodHasAnExampleThatDecodes(t *testing.T) {
	srv := rpc.NewServer(Methods(fakeController{}), rpc.Options{Framing: rpc.FramingNDJSON})
	for _, m := range srv.Methods() {
		if m.Example == "" {
			t.Errorf("%s has no example", m.Name)
			continue
		}
		req := `{"jsonrpc":"2.0","id":1,"method":"` + m.Name + `","params":` + m.Example + `}`
		var out bytes.Buffer
		srv.Serve(context.Background(), strings.NewReader(req+"\n"), &out)
		if bytes.Contains(out.Bytes(), []byte(`"code":-326`)) {
			t.Errorf("%s's example %s is not a valid call: %s", m.Name, m.Example, out.String())
		}
	}
}

// TestEveryMethodHasConformanceVectors: a method added to the table
// without vectors fails here.
func TestEveryMethodHasConformanceVectors(t *testing.T) {
	cases, err := conformance.Load("../../rpc/testdata/conformance.json")
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, c := range cases {
		all.WriteString(c.Input)
		for _, r := range c.Requests {
			all.WriteString(r)
		}
	}
	for _, m := range Methods(nil) { // rpc.discover is the transport's: rpc tests it
		if !strings.Contains(all.String(), `"method":"`+m.Name+`"`) {
			t.Errorf("no conformance vector calls %s", m.Name)
		}
	}
}
