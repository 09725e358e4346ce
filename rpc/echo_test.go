package rpc

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// loneSurrogate returns the first \u escape in the JSON text b that stands
// for half of a surrogate pair without the other half, or "".
func loneSurrogate(b []byte) string {
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 >= len(b) {
			continue
		}
		if b[i+1] != 'u' {
			i++ // a one-letter escape such as \\ or \"
			continue
		}
		u, ok := hexEscape(b[i:])
		switch {
		case !ok || u < 0xd800 || u > 0xdfff:
		case u >= 0xdc00:
			return string(b[i : i+6])
		default:
			lo, ok := hexEscape(b[i+6:])
			if !ok || lo < 0xdc00 || lo > 0xdfff {
				return string(b[i : i+6])
			}
			i += 6
		}
		i += 5
	}
	return ""
}

// checkText fails the test unless out is valid UTF-8 with no lone
// surrogate escape.
func checkText(t *testing.T, what string, out []byte) {
	t.Helper()
	if !utf8.Valid(out) {
		t.Errorf("%s: output is not valid UTF-8: %q", what, out)
	}
	if s := loneSurrogate(out); s != "" {
		t.Errorf("%s: output has the lone surrogate %s: %s", what, s, out)
	}
}

// echoCases are JSON strings an echo must make valid UTF-8 text of, and
// what it must make of them.
var echoCases = []struct{ raw, want string }{
	{`"\ud800"`, `"\ufffd"`},
	{`"\uDBFF"`, `"\ufffd"`},
	{`"\udc00"`, `"\ufffd"`},
	{`"\uDFFF"`, `"\ufffd"`},
	{`"a\ud800b"`, `"a\ufffdb"`},
	{`"\ud800\u0041"`, `"\ufffd\u0041"`},
	{`"\ud800\ud800"`, `"\ufffd\ufffd"`},
	{`"\ude00\ud83d"`, `"\ufffd\ufffd"`},
	{`"\ud83d\ud83d\ude00"`, `"\ufffd\ud83d\ude00"`},
	{`"\ud83d\ude00\ude00"`, `"\ud83d\ude00\ufffd"`},
	{`"\ud83d"` + "\xff", `"\ufffd"` + `\ufffd`}, // not JSON after the string, but each rule still holds
	{"\"\xff\"", `"\ufffd"`},
	{"\"\xed\xa0\x80\"", `"\ufffd\ufffd\ufffd"`}, // a surrogate encoded as UTF-8 is three invalid bytes
	{"\"\\ud800\xff\"", `"\ufffd\ufffd"`},
	// Kept as they are.
	{`"\ud83d\ude00"`, `"\ud83d\ude00"`},
	{`"\uD83D\uDE00"`, `"\uD83D\uDE00"`},
	{`"\u00e9\n\u2603"`, `"\u00e9\n\u2603"`},
	{`"\\ud800"`, `"\\ud800"`},   // an escaped backslash, then letters
	{`"\\\ud800"`, `"\\\ufffd"`}, // an escaped backslash, then a lone surrogate
	{`"\"\ud800"`, `"\"\ufffd"`},
	{`"\ufffd"`, `"\ufffd"`},
	{`"é😀"`, `"é😀"`},
	{`12`, `12`},
	{`null`, `null`},
}

func TestAppendEchoReplacesWhatIsNotValidText(t *testing.T) {
	for _, c := range echoCases {
		got := AppendEcho([]byte("x:"), []byte(c.raw))
		if string(got) != "x:"+c.want {
			t.Errorf("AppendEcho(%#q) = %#q, want %#q", c.raw, got[2:], c.want)
		}
		checkText(t, c.raw, got)
		var in, out any
		if json.Unmarshal([]byte(c.raw), &in) == nil {
			// What the client meant, as encoding/json decodes it, is kept.
			if err := json.Unmarshal(got[2:], &out); err != nil || !equalJSON(in, out) {
				t.Errorf("AppendEcho(%#q) = %#q decodes to %q (%v), want %q", c.raw, got[2:], out, err, in)
			}
		}
	}
}

// equalJSON compares two decoded JSON scalars.
func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// TestEchoedTextIsValidUTF8Everywhere: whatever a request carries, the
// ids, method names and param names echoed in every kind of answer are
// valid UTF-8 with no lone surrogate, in single requests and in batches.
func TestEchoedTextIsValidUTF8Everywhere(t *testing.T) {
	var texts []string
	for _, c := range echoCases {
		if c.raw[0] == '"' && json.Valid([]byte(c.raw)) {
			texts = append(texts, c.raw)
		}
	}
	texts = append(texts, "\"\xff\"", "\"\xed\xa0\x80\"", "\"\\ud800\xff\"")
	for _, s := range texts {
		for _, req := range []struct{ what, body string }{
			{"id of a result", `{"jsonrpc":"2.0","id":` + s + `,"method":"echo","params":[1]}`},
			{"id of an error", `{"jsonrpc":"2.0","id":` + s + `,"method":"nope"}`},
			{"method name", `{"jsonrpc":"2.0","id":1,"method":` + s + `}`},
			{"param name", `{"jsonrpc":"2.0","id":1,"method":"echo","params":{` + s + `:1}}`},
			{"param value", `{"jsonrpc":"2.0","id":1,"method":"echo","params":{"n":` + s + `}}`},
			{"ids in a batch", `[{"jsonrpc":"2.0","id":` + s + `,"method":"echo"},{"jsonrpc":"2.0","id":` + s + `,"method":"block"},{"jsonrpc":"2.0","id":` + s + `,"method":"nope"}]`},
			{"names in a batch", `[{"jsonrpc":"2.0","id":1,"method":` + s + `},{"jsonrpc":"2.0","id":2,"method":"echo","params":{` + s + `:1}}]`},
		} {
			for _, f := range []Framing{FramingNDJSON, FramingLSP} {
				var in, out bytes.Buffer
				if f == FramingLSP {
					in.WriteString("Content-Length: " + strconv.Itoa(len(req.body)) + "\r\n\r\n" + req.body)
				} else {
					in.WriteString(req.body + "\n")
				}
				release := make(chan struct{})
				close(release)
				srv := NewServer(testMethods(release, nil), Options{Framing: f})
				if err := srv.Serve(context.Background(), &in, &out); err != nil {
					t.Fatal(err)
				}
				what := req.what + " " + s + " (" + f.String() + ")"
				if out.Len() == 0 {
					t.Errorf("%s: no answer", what)
				}
				checkText(t, what, out.Bytes())
				if strings.Contains(req.what, "id") && !strings.Contains(out.String(), `"id":`+string(AppendEcho(nil, []byte(s)))) {
					t.Errorf("%s: the id is not echoed as AppendEcho echoes it: %s", what, out.Bytes())
				}
			}
		}
	}
}

// TestAppendStringWritesWhatEncodingJSONWrites: for every kind of byte a
// string can hold, AppendString writes what encoding/json writes with
// HTML escaping off, and the literal decodes back to the string (or to it
// with invalid bytes replaced by U+FFFD, as encoding/json also decodes).
func TestAppendStringWritesWhatEncodingJSONWrites(t *testing.T) {
	cases := []string{"", "plain", `jsonrpc must be "2.0"`, `back\slash`, "a\nb\rc\td\be\ff",
		"\x00\x01\x1f\x7f", "é ü 雪 🙂", "\u2028\u2029", "\xff", "a\xc3", "\xed\xa0\x80", "<&>"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		got := AppendString([]byte("x"), s)
		if string(got) != "x"+strings.TrimSuffix(want.String(), "\n") {
			t.Errorf("AppendString(%q) = %s, encoding/json writes %s", s, got[1:], want.Bytes())
		}
	}
}
