//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/sigrpc/sigrpc/internal/spawn"
)

// This file runs lua-resty-signal's reference cases
// (testdata/seed/resty-signal-cases.json) through the helper, translated
// by the rules of testdata/seed/README.md, where PROTOCOL.md wins over
// upstream. Every departure from upstream is made in
// translate below, by a named rule.

// refCase is one reference case.
type refCase struct {
	Name     string            `json:"name"`
	Call     string            `json:"call"`
	Args     []json.RawMessage `json:"args"`
	Platform string            `json:"platform"`
	Requires string            `json:"requires"`
	Expect   struct {
		Returns []json.RawMessage `json:"returns"`
		Raises  string            `json:"raises"`
	} `json:"expect"`
	Effect *struct {
		Target string `json:"target"`
		Signal int    `json:"signal"`
	} `json:"effect"`
}

// fixture is a reference to a pid the harness creates.
type fixture struct {
	Name   string  `json:"$fixture"`
	Offset float64 `json:"offset"`
}

// outcome is what sigrpc must answer, and what must happen to the target.
type outcome struct {
	result  string // the JSON result, or "" for an error
	code    int64
	message string // error message; "" means any
	errno   string
	rule    string // the translation rule applied, for failure messages
	effect  string // "alive", "terminated" or "" (no live target)
	signal  int    // with effect "terminated"
}

// sigrpcNames are signal names sigrpc knows on Linux and upstream does not.
var sigrpcNames = map[string]int{
	"term": 15, "Term": 15, "SIGTERM": 15, "sigterm": 15,
	"RTMIN": 34, "RTMAX": 64, "RTMIN+1": 35, "SYS": 31,
}

// translate returns the sigrpc outcome of c with args resolved to JSON
// values, or a reason to skip it.
func translate(c refCase, args []any) (outcome, string) {
	switch {
	case c.Platform == "macos":
		return outcome{}, "macOS case"
	case c.Platform == "linux-x86_64" && runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64":
		return outcome{}, "x86_64 signal numbers"
	case c.Requires == "root" && os.Geteuid() != 0, c.Requires == "non-root" && os.Geteuid() == 0:
		return outcome{}, "needs " + c.Requires
	}
	if c.Call == "signum" {
		return translateSignum(c, args), ""
	}
	if len(args) > 0 && args[0] == float64(1) {
		return outcome{}, "never signal pid 1"
	}
	return translateKill(c, args), ""
}

func translateSignum(c refCase, args []any) outcome {
	if len(args) == 0 {
		return invalidParam("name", "signum needs a name")
	}
	switch v := args[0].(type) {
	case string:
		if n, ok := sigrpcNames[v]; ok {
			return outcome{result: fmt.Sprint(n), rule: "names in any case, with SIG, RT names, SYS on Linux"}
		}
		if v == "EMT" || v == "INFO" {
			return outcome{result: "null", rule: "EMT and INFO are unknown on Linux"}
		}
	case float64:
		if v != math.Trunc(v) {
			return invalidParam("name", "a fraction is not an integer")
		}
	default:
		return invalidParam("name", "only names and integers are accepted")
	}
	return upstreamReturns(c)
}

func translateKill(c refCase, args []any) outcome {
	effectIfLive := func(o outcome) outcome {
		if isLiveFixture(c) && o.effect == "" {
			o.effect = "alive"
		}
		return o
	}
	if o, bad := checkTypes(args); bad {
		return effectIfLive(o)
	}
	sig, named := 15.0, true // TERM when no signal is given
	if len(args) > 1 {
		switch s := args[1].(type) {
		case string:
			n, extra := sigrpcNames[s]
			switch {
			case s == "EMT" || s == "INFO":
				return effectIfLive(outcome{code: -32602, message: "unknown signal name", rule: "EMT and INFO are unknown on Linux"})
			case extra:
				sig = float64(n)
			case isUnknownName(c):
				return effectIfLive(upstreamReturns(c))
			default: // a name upstream knows too: in range, upstream decides
				sig, named = 0, false
			}
		case float64:
			sig, named = s, false
		}
	}
	pid := args[0].(float64)
	switch {
	case pid > math.MaxInt32 || pid < math.MinInt32:
		return effectIfLive(invalidParam("pid", "pid outside int32"))
	case sig < 0 || sig > 64:
		return effectIfLive(outcome{code: -32000, message: "Invalid argument", errno: "EINVAL", rule: "signal range checked before the pid"})
	case pid == -1:
		return effectIfLive(refused("broadcast"))
	case pid <= 0:
		return effectIfLive(refused("process-group"))
	case named:
		o := outcome{result: "true", rule: "signal defaults to TERM; names in any case"}
		if isLiveFixture(c) {
			o.effect, o.signal = "terminated", int(sig)
		}
		return o
	}
	o := upstreamReturns(c)
	if c.Effect != nil {
		o.effect, o.signal = c.Effect.Target, c.Effect.Signal
	}
	return effectIfLive(o)
}

// checkTypes applies PROTOCOL.md's strict types: pid must be an integer,
// then signal an integer or a string.
func checkTypes(args []any) (outcome, bool) {
	if len(args) == 0 {
		return invalidParam("pid", "pid is required"), true
	}
	if f, ok := args[0].(float64); !ok || f != math.Trunc(f) {
		return invalidParam("pid", "pid must be an integer"), true
	}
	if len(args) < 2 {
		return outcome{}, false
	}
	switch v := args[1].(type) {
	case string:
	case float64:
		if v != math.Trunc(v) {
			return invalidParam("signal", "a fraction is not a signal"), true
		}
	default:
		return invalidParam("signal", "signal must be a name or an integer"), true
	}
	return outcome{}, false
}

func invalidParam(param, rule string) outcome {
	return outcome{code: -32602, message: fmt.Sprintf("invalid params: %q", param), rule: rule}
}

func refused(reason string) outcome {
	return outcome{code: -32001, message: "refused by policy: " + reason, rule: "policy refuses " + reason}
}

// upstreamReturns translates upstream's return values.
func upstreamReturns(c refCase) outcome {
	r := c.Expect.Returns
	if len(r) == 1 {
		return outcome{result: string(r[0]), rule: "upstream result"}
	}
	var msg string
	json.Unmarshal(r[1], &msg)
	switch {
	case msg == "unknown signal name" && c.Call == "signum":
		return outcome{result: "null", rule: "upstream: unknown name"}
	case msg == "unknown signal name":
		return outcome{code: -32602, message: msg, rule: "upstream: unknown name"}
	}
	errnos := map[string]string{"No such process": "ESRCH", "Operation not permitted": "EPERM", "Invalid argument": "EINVAL"}
	return outcome{code: -32000, message: msg, errno: errnos[msg], rule: "upstream errno"}
}

// isUnknownName reports whether upstream answers "unknown signal name".
func isUnknownName(c refCase) bool {
	return len(c.Expect.Returns) == 2 && string(c.Expect.Returns[1]) == `"unknown signal name"`
}

func isLiveFixture(c refCase) bool {
	return len(c.Args) > 0 && (strings.Contains(string(c.Args[0]), `"live_child"`) ||
		strings.Contains(string(c.Args[0]), `"live_group"`))
}

func TestSeedParity(t *testing.T) {
	data, err := os.ReadFile("testdata/seed/resty-signal-cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []refCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	h := startHelper(t)
	ran := 0
	for i, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			ran += runSeedCase(t, h, i, c)
		})
	}
	t.Logf("ran %d of %d reference cases", ran, len(cases))
	if ran < 80 {
		t.Errorf("only %d reference cases ran", ran)
	}
}

// runSeedCase runs one case and reports whether it ran (1) or was skipped (0).
func runSeedCase(t *testing.T, h *spawn.Proc, i int, c refCase) int {
	args, target := resolveArgs(t, h, c)
	want, skip := translate(c, args)
	if skip != "" {
		t.Skip(skip)
	}
	params, _ := json.Marshal(args)
	resp := h.Call(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":%q,"params":%s}`, i, c.Call, params))
	var got struct {
		Result json.RawMessage
		Error  *struct {
			Code    int64
			Message string
			Data    struct{ Errno string }
		}
	}
	if err := json.Unmarshal([]byte(resp), &got); err != nil {
		t.Fatalf("bad response %s: %v", resp, err)
	}
	switch {
	case want.result != "" && string(got.Result) != want.result:
		t.Errorf("%s → %s; want result %s (rule: %s)", params, resp, want.result, want.rule)
	case want.result == "" && (got.Error == nil || got.Error.Code != want.code ||
		!strings.HasPrefix(got.Error.Message, want.message) || got.Error.Data.Errno != want.errno):
		t.Errorf("%s → %s; want error %d %q %s (rule: %s)", params, resp, want.code, want.message, want.errno, want.rule)
	}
	if target != nil {
		checkEffect(t, target, want)
	}
	return 1
}

func checkEffect(t *testing.T, target *spawn.Proc, want outcome) {
	switch want.effect {
	case "terminated":
		if got := target.TerminatedBy(t); got != syscall.Signal(want.signal) {
			t.Errorf("child ended by %v, want signal %d", got, want.signal)
		}
	case "alive":
		target.AssertUntouched(t)
	}
}

// resolveArgs decodes the case's args, creating the fixtures they name.
// It returns the live child whose fate the case decides, if any.
func resolveArgs(t *testing.T, h *spawn.Proc, c refCase) ([]any, *spawn.Proc) {
	args := []any{}
	var target *spawn.Proc
	for _, raw := range c.Args {
		var f fixture
		if json.Unmarshal(raw, &f) == nil && f.Name != "" {
			pid, ch := makeFixture(t, h, f.Name)
			if f.Name == "live_child" || f.Name == "live_group" {
				target = ch
			}
			args = append(args, float64(pid)+f.Offset)
			continue
		}
		var v any
		json.Unmarshal(raw, &v)
		args = append(args, v)
	}
	return args, target
}

// makeFixture creates the named fixture and returns its pid.
func makeFixture(t *testing.T, h *spawn.Proc, name string) (int, *spawn.Proc) {
	switch name {
	case "live_child":
		c := spawn.Sleep(t, false)
		return c.Pid, c
	case "zombie_child":
		c := spawn.Zombie(t)
		return c.Pid, c
	case "reaped_child":
		return spawn.AbsentPID, nil
	case "live_group":
		c := spawn.Sleep(t, true)
		return -c.Pid, c
	case "reaped_group":
		return -spawn.AbsentPID, nil
	case "self":
		return h.Pid, nil
	}
	t.Fatalf("unknown fixture %q", name)
	return 0, nil
}
