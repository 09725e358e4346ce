package rpc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/sigrpc/sigrpc/internal/testio"
)

// The fuzz targets dispatch to the test method table (testMethods): the
// transport is what they exercise. The service's own fuzz target, over
// sigrpc's methods, is in internal/service.

const fuzzLimit = 4096

// serveFuzz runs input through a server with the test methods.
func serveFuzz(t *testing.T, f Framing, input []byte) []byte {
	t.Helper()
	srv := NewServer(testMethods(nil, nil), Options{Framing: f, MaxMessageBytes: fuzzLimit})
	var out bytes.Buffer
	if err := srv.Serve(context.Background(), bytes.NewReader(input), &out); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	return out.Bytes()
}

// checkResponse checks that body is one JSON-RPC response or a non-empty
// array of them, with no internal error (a panic would show as -32603).
func checkResponse(t *testing.T, body []byte) {
	t.Helper()
	var one map[string]json.RawMessage
	var many []map[string]json.RawMessage
	switch {
	case json.Unmarshal(body, &one) == nil:
		many = append(many, one)
	case json.Unmarshal(body, &many) == nil && len(many) > 0:
	default:
		t.Fatalf("output %q is not a response", body)
	}
	for _, r := range many {
		_, hasResult := r["result"]
		_, hasError := r["error"]
		if string(r["jsonrpc"]) != `"2.0"` || r["id"] == nil || hasResult == hasError || len(r) != 3 {
			t.Fatalf("malformed response %q", body)
		}
		if bytes.Contains(r["error"], []byte(`"code":-32603`)) {
			t.Fatalf("internal error (a recovered panic): %q", body)
		}
	}
}

const syncProbe = `{"jsonrpc":"2.0","id":"sync-probe","method":"echo","params":[15]}`

// FuzzNDJSON: any input gives only well-formed responses, and a valid
// request on the next line is still answered.
func FuzzNDJSON(f *testing.F) {
	for _, seed := range []string{"", "{}", "[]", "[1,2]", "\ufeff{", `{"jsonrpc":"2.0","id":1,"method":"signum","params":["TERM"]}`,
		`{"jsonrpc":"2.0","id":-1.5e3,"method":"kill","params":{"pid":0}}`, "\r\n\r\n", strings.Repeat("a", fuzzLimit+10)} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		out := serveFuzz(t, FramingNDJSON, append(append(input, '\n'), syncProbe+"\n"...))
		lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
		for _, line := range lines {
			checkResponse(t, []byte(line))
		}
		if last := lines[len(lines)-1]; last != `{"jsonrpc":"2.0","id":"sync-probe","result":15}` {
			t.Fatalf("the request after %q was not answered last: %q", input, last)
		}
	})
}

// FuzzLSP: any input gives only well-formed frames with valid bodies.
func FuzzLSP(f *testing.F) {
	for _, seed := range []string{"", "Content-Length: 2\r\n\r\n{}", "content-length:5\n\n[1,2]",
		"Content-Length: 99999999999\r\n\r\n", "garbage\r\n\r\nContent-Length: 2\r\n\r\n[]",
		"Content-Length: 10\r\nContent-Length: 11\r\n\r\n", "Content-Type: x\r\n\r\n"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		out := serveFuzz(t, FramingLSP, input)
		for len(out) > 0 {
			head, rest, ok := bytes.Cut(out, []byte("\r\n\r\n"))
			n, err := strconv.Atoi(string(bytes.TrimPrefix(head, []byte("Content-Length: "))))
			if !ok || err != nil || !bytes.HasPrefix(head, []byte("Content-Length: ")) || n > len(rest) {
				t.Fatalf("malformed frame in %q", out)
			}
			checkResponse(t, rest[:n])
			out = rest[n:]
		}
	})
}

// oversize marks a request the fuzz server must refuse for its size.
type oversize struct{}

// FuzzIDRoundTrip: a request's id comes back byte for byte, as AppendEcho
// echoes it (valid UTF-8 text, whatever was sent), unless the request is
// over the size limit.
func FuzzIDRoundTrip(f *testing.F) {
	const frame = len(`{"jsonrpc":"2.0","id":,"method":"echo","params":[15]}`)
	for _, seed := range []string{"1", "-1", "0", "1.50", "1e3", `"x"`, `"\u00e9"`, "null", "12345678901234567890123",
		`"\ud800"`, `"\ud83d\ude00"`, `"\\\udc00"`, "\"\xff\"",
		`"` + strings.Repeat("x", fuzzLimit-frame-2) + `"`, `"` + strings.Repeat("x", fuzzLimit-frame-1) + `"`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, id string) {
		req := `{"jsonrpc":"2.0","id":` + id + `,"method":"echo","params":[15]}`
		if !json.Valid([]byte(req)) || strings.ContainsAny(id, "\n\r") {
			return
		}
		var v any
		json.Unmarshal([]byte(id), &v)
		out := strings.TrimSuffix(string(serveFuzz(t, FramingNDJSON, []byte(req+"\n"))), "\n")
		checkText(t, "id "+id, []byte(out))
		if len(req) > fuzzLimit {
			v = oversize{}
		}
		switch v.(type) {
		case oversize:
			if out != `{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"message too large","data":{"reason":"larger than the limit of 4096 bytes"}}}` {
				t.Fatalf("%d-byte request: got %s, want message too large", len(req), out)
			}
		case string, float64, nil:
			echo := string(AppendEcho(nil, []byte(strings.TrimSpace(id))))
			if want := `{"jsonrpc":"2.0","id":` + echo + `,"result":15}`; out != want {
				t.Fatalf("id %q: got %s, want %s", id, out, want)
			}
		default:
			if out != `{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request","data":{"reason":"id must be a string, number or null"}}}` {
				t.Fatalf("id %q: got %s, want an invalid request", id, out)
			}
		}
	})
}

// FuzzBatch: a batch's answer holds one response per member that is not
// a notification, each with a member's id or null; a batch of more than
// DefaultMaxBatchMembers gets one error instead.
func FuzzBatch(f *testing.F) {
	f.Add(`[{"jsonrpc":"2.0","id":1,"method":"signum","params":["TERM"]},{"jsonrpc":"2.0","method":"signum"},1]`)
	f.Add(`[[],{},{"jsonrpc":"2.0","id":"a","method":"nope"}]`)
	f.Fuzz(func(t *testing.T, batch string) {
		var members []json.RawMessage
		if json.Unmarshal([]byte(batch), &members) != nil || len(members) == 0 || strings.ContainsAny(batch, "\n\r") {
			return
		}
		out := bytes.TrimSuffix(serveFuzz(t, FramingNDJSON, []byte(batch+"\n")), []byte("\n"))
		want := 0
		for _, m := range members {
			var obj map[string]json.RawMessage
			notification := json.Unmarshal(m, &obj) == nil && obj["id"] == nil && isValidNotification(obj)
			if !notification {
				want++
			}
		}
		if want == 0 {
			if len(out) != 0 {
				t.Fatalf("a batch of notifications was answered: %s", out)
			}
			return
		}
		if len(members) > DefaultMaxBatchMembers {
			if tooMany := `{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"batch too large","data":{"reason":"more than 1024 members"}}}`; string(out) != tooMany {
				t.Fatalf("a batch of %d members: got %s, want %s", len(members), out, tooMany)
			}
			return
		}
		var got []json.RawMessage
		if err := json.Unmarshal(out, &got); err != nil || len(got) != want {
			t.Fatalf("batch %s: %d responses in %s, want %d", batch, len(got), out, want)
		}
		for _, r := range got {
			checkResponse(t, r)
		}
	})
}

// isValidNotification reports whether obj is a request without an id that
// the server will run silently: jsonrpc "2.0", a string method, and params
// absent or an object or array. Member names match exactly; duplicates
// make the fuzz case ambiguous and are treated as valid like the server
// (the last one wins in both).
func isValidNotification(obj map[string]json.RawMessage) bool {
	var version, method string
	if json.Unmarshal(obj["jsonrpc"], &version) != nil || version != "2.0" {
		return false
	}
	if json.Unmarshal(obj["method"], &method) != nil {
		return false
	}
	p := bytes.TrimSpace(obj["params"])
	return p == nil || p[0] == '{' || p[0] == '['
}

// FuzzValid: validJSON accepts exactly what json.Valid accepts.
func FuzzValid(f *testing.F) {
	for _, c := range validCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := validJSON(b), json.Valid(b); got != want {
			t.Fatalf("validJSON(%q) = %v, json.Valid says %v", b, got, want)
		}
	})
}

// liveMessages are the messages FuzzNoAnswerWaitsForInput strings
// together; %d is the request's id. Those with an id are owed an answer
// carrying it; the others (a notification, errors with id null) are
// owed nothing the fuzz target checks.
var liveMessages = []struct {
	body string
	owed bool
}{
	{`{"jsonrpc":"2.0","id":%d,"method":"echo","params":[15]}`, true},
	{`{"jsonrpc":"2.0","id":%d,"method":"echo"}`, true},
	{`{"jsonrpc":"2.0","id":%d,"method":"nope"}`, true},
	{`{"jsonrpc":"2.0","id":%d,"method":"echo","params":{"n":"x"}}`, true},
	{`[{"jsonrpc":"2.0","id":%d,"method":"echo","params":[2]},{"jsonrpc":"2.0","method":"echo","params":[1]}]`, true},
	{`{"jsonrpc":"2.0","method":"echo","params":[3]}`, false},
	{`{"jsonrpc":"2.0","id":1,`, false},
	{`{"jsonrpc":"1.0","id":1,"method":"signum"}`, false},
	{`[]`, false},
}

// FuzzNoAnswerWaitsForInput: whatever complete messages arrive, followed
// by whatever bytes, every answer owed to the complete messages has been
// written by the time the server asks for more input.
func FuzzNoAnswerWaitsForInput(f *testing.F) {
	f.Add(uint8(0), []byte{0, 1, 2}, []byte("\n\n"))
	f.Add(uint8(1), []byte{4, 0}, []byte("\r\n"))
	f.Add(uint8(1), []byte{3, 5, 0}, []byte("Content-Len"))
	f.Add(uint8(2), []byte{6, 0}, []byte(" \t"))
	f.Add(uint8(0), []byte{7, 1}, []byte(`{"jsonrpc":"2.0","id":9,"meth`))
	f.Add(uint8(1), []byte{8, 2}, []byte("Content-Length: 99999\r\n\r\n{"))
	f.Fuzz(func(t *testing.T, framing uint8, picks, trailing []byte) {
		if len(picks) > 64 {
			picks = picks[:64]
		}
		f := []Framing{FramingNDJSON, FramingLSP, FramingAuto}[int(framing)%3]
		var in bytes.Buffer
		owed := map[string]bool{}
		for i, p := range picks {
			m := liveMessages[int(p)%len(liveMessages)]
			body := m.body
			if strings.Contains(body, "%d") {
				body = fmt.Sprintf(body, 1000+i)
			}
			if m.owed {
				owed[strconv.Itoa(1000+i)] = true
			}
			if f == FramingLSP {
				fmt.Fprintf(&in, "Content-Length: %d\r\n\r\n%s", len(body), body)
			} else {
				in.WriteString(body + "\n")
			}
		}
		if f == FramingAuto && len(picks) == 0 {
			return // nothing chooses the framing
		}
		in.Write(trailing)
		srv := NewServer(testMethods(nil, nil), Options{Framing: f, MaxMessageBytes: fuzzLimit})
		r := testio.NewStallingReader(in.String())
		out := &testio.SyncBuffer{}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- srv.Serve(ctx, r, out) }()
		select {
		case <-r.Stalled:
		case err := <-done: // a write error cannot happen here
			t.Fatalf("Serve returned %v before reading all input", err)
		}
		got := out.String()
		cancel()
		<-done
		for id := range owed {
			if !strings.Contains(got, `"id":`+id+`,`) {
				t.Fatalf("framing %v, input %q: the answer to id %s waits for more input; output so far %q", f, in.String(), id, got)
			}
		}
	})
}
