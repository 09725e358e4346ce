package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sigrpc/sigrpc/rpc"
	"github.com/sigrpc/sigrpc/sigctl"
)

// treeController answers children and terminate with tree from canned
// results, and records the options terminate was given.
type treeController struct {
	fakeController
	opts sigctl.TerminateOptions
}

func (c *treeController) Terminate(_ context.Context, _ sigctl.Target, opts sigctl.TerminateOptions) (sigctl.Termination, error) {
	c.opts = opts
	res := sigctl.Termination{Exited: true, Elapsed: 12 * time.Millisecond}
	if opts.Tree {
		res = sigctl.Termination{Exited: false, Escalated: true, Elapsed: 7 * time.Millisecond, Method: sigctl.MethodForkEvents, Complete: true, Members: []sigctl.Member{
			{PID: 10, StartTime: "100", Exited: true},
			{PID: 11, StartTime: "101", Exited: true, Escalated: true},
			{PID: 12, StartTime: "102", Refused: sigctl.ReasonUID},
		}}
	}
	return res, nil
}

func (c *treeController) Children(pid int, recursive bool) ([]sigctl.Child, error) {
	if !recursive {
		return nil, nil
	}
	return []sigctl.Child{{PID: 11, PPID: pid, StartTime: "101", Comm: "sh"}, {PID: 12, PPID: 11, StartTime: "102", Comm: "a \"b\"\xff"}}, nil
}

// TestTreeWireShapes pins the results of children and of terminate with
// and without tree.
func TestTreeWireShapes(t *testing.T) {
	c := &treeController{}
	srv := rpc.NewServer(Methods(c), rpc.Options{Framing: rpc.FramingNDJSON})
	for _, tc := range []struct{ params, method, want string }{
		{`{"pid":10,"tree":true}`, "terminate", `{"exited":false,"escalated":true,"elapsed_ms":7,"complete":true,"method":"fork-events","members":[{"pid":10,"start_time":"100","exited":true,"escalated":false},{"pid":11,"start_time":"101","exited":true,"escalated":true},{"pid":12,"start_time":"102","exited":false,"escalated":false,"refused":"uid"}]}`},
		{`{"pid":10}`, "terminate", `{"exited":true,"escalated":false,"elapsed_ms":12}`},
		{`{"pid":10,"tree":false}`, "terminate", `{"exited":true,"escalated":false,"elapsed_ms":12}`},
		{`[10]`, "children", `[]`},
		{`[10,true]`, "children", `[{"pid":11,"ppid":10,"start_time":"101","comm":"sh"},{"pid":12,"ppid":11,"start_time":"102","comm":"a \"b\"\ufffd"}]`},
	} {
		req := `{"jsonrpc":"2.0","id":1,"method":"` + tc.method + `","params":` + tc.params + `}`
		var out bytes.Buffer
		if err := srv.Serve(context.Background(), strings.NewReader(req+"\n"), &out); err != nil {
			t.Fatal(err)
		}
		if want := `{"jsonrpc":"2.0","id":1,"result":` + tc.want + "}\n"; out.String() != want {
			t.Errorf("%s(%s)\ngot  %s\nwant %s", tc.method, tc.params, out.String(), want)
		}
		if tc.method == "terminate" && c.opts.Tree != strings.Contains(tc.params, `"tree":true`) {
			t.Errorf("%s(%s): Tree = %v", tc.method, tc.params, c.opts.Tree)
		}
	}
}

// unsupportedController answers as a platform without trees does.
type unsupportedController struct{ fakeController }

func (unsupportedController) Children(int, bool) ([]sigctl.Child, error) {
	return nil, fmt.Errorf("children: %w", errors.ErrUnsupported)
}

func (unsupportedController) Terminate(context.Context, sigctl.Target, sigctl.TerminateOptions) (sigctl.Termination, error) {
	return sigctl.Termination{}, fmt.Errorf("terminate: a process tree: %w", errors.ErrUnsupported)
}

// TestTreeUnsupportedIs32002: outside Linux, children and terminate with
// tree answer -32002.
func TestTreeUnsupportedIs32002(t *testing.T) {
	srv := rpc.NewServer(Methods(unsupportedController{}), rpc.Options{Framing: rpc.FramingNDJSON})
	for _, req := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"children","params":[10]}`,
		`{"jsonrpc":"2.0","id":1,"method":"terminate","params":{"pid":10,"tree":true}}`,
	} {
		var out bytes.Buffer
		if err := srv.Serve(context.Background(), strings.NewReader(req+"\n"), &out); err != nil {
			t.Fatal(err)
		}
		if want := `{"jsonrpc":"2.0","id":1,"error":{"code":-32002,"message":"unsupported on this platform"}}` + "\n"; out.String() != want {
			t.Errorf("%s\ngot  %s\nwant %s", req, out.String(), want)
		}
	}
}
