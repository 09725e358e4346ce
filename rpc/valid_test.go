package rpc

import (
	"encoding/json"
	"strings"
	"testing"
)

// validCases are JSON texts on both sides of every rule of the grammar.
var validCases = []string{
	``, ` `, `{}`, `[]`, ` { } `, `[ ]`, `{`, `}`, `[`, `]`, `[}`, `{]`, `[[]]`, `[[]`, `[]]`, `{}{}`, `[],`,
	`{"a":1}`, `{"a":1,}`, `{"a" 1}`, `{"a":}`, `{1:1}`, `{"a":1 "b":2}`, `{"a":1,"b":[2,{"c":null}]}`,
	`[1,2,3]`, `[1,,2]`, `[,1]`, `[1 2]`, `{"a":[1,2],"b":{}}`,
	`"x"`, `"`, `"\"`, `"\\"`, `"\/\b\f\n\r\t"`, `"\x"`, `"\u00e9"`, `"\u00g9"`, `"\u00e"`, `"\uD800"`,
	"\"\x01\"", "\"\x1f\"", "\"\x7f\"", "\"\xff\xfe\"", "\"é\"",
	`0`, `-0`, `00`, `01`, `-`, `1.`, `1.5`, `.5`, `1e5`, `1E+5`, `1e-5`, `1e`, `1e+`, `-1.5e3`, `1.5.5`, `--1`, `+1`,
	`true`, `false`, `null`, `tru`, `truex`, `nul`, `nullnull`, `True`, `[true,false,null]`,
	"\t\n\r 1 \r\n\t", "\v1", "1\x00",
}

func TestValidJSONMatchesEncodingJSON(t *testing.T) {
	for _, c := range validCases {
		if got, want := validJSON([]byte(c)), json.Valid([]byte(c)); got != want {
			t.Errorf("validJSON(%q) = %v, json.Valid says %v", c, got, want)
		}
	}
}

func TestValidJSONDepthLimit(t *testing.T) {
	for _, depth := range []int{63, 64, 65, maxDepth, maxDepth + 1} {
		for _, open := range []string{"[", `{"a":`} {
			closer := map[string]string{"[": "]", `{"a":`: "}"}[open]
			doc := strings.Repeat(open, depth) + "1" + strings.Repeat(closer, depth)
			if got, want := validJSON([]byte(doc)), json.Valid([]byte(doc)); got != want {
				t.Errorf("depth %d of %q: validJSON says %v, json.Valid %v", depth, open, got, want)
			}
		}
	}
}

func BenchmarkValidJSON(b *testing.B) {
	msg := []byte(signumRequest[:len(signumRequest)-1])
	b.Run("validJSON", func(b *testing.B) {
		for b.Loop() {
			validJSON(msg)
		}
	})
	b.Run("json.Valid", func(b *testing.B) {
		for b.Loop() {
			json.Valid(msg)
		}
	})
}

// TestMembersRejectsWhatIsNotJSON: the members iterator, which walks
// requests, params and batches, stops at anything json.Valid rejects.
func TestMembersRejectsWhatIsNotJSON(t *testing.T) {
	for _, s := range []string{"[", "{", "[1,", `{"a":`, `{"a"`, `{"a":1,}`, "[1,]", `[1 2]`, `{"a":1 "b":2}`, `{1:2}`, "[-]"} {
		it := newMembers([]byte(s))
		for {
			if _, _, ok := it.next(); !ok {
				break
			}
		}
		if !it.invalid() {
			t.Errorf("%q: the walk found no fault", s)
		}
	}
	for _, s := range []string{"[]", "{}", `[1, "a", {"b": [2]}]`, `{"a": 1, "b": [true, null]}`} {
		it := newMembers([]byte(s))
		n := 0
		for {
			if _, _, ok := it.next(); !ok {
				break
			}
			n++
		}
		if it.invalid() || it.end != len(s) {
			t.Errorf("%q: invalid %v, end %d after %d members", s, it.invalid(), it.end, n)
		}
	}
}
