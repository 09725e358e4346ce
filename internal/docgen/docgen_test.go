package docgen

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sigrpc/sigrpc/rpc"
)

// render returns what describe gives for a schema, as Markdown lines.
func renderSchema(t *testing.T, text string) string {
	t.Helper()
	s, err := parseSchema(text)
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	phrase, lines := s.describe()
	out := []string{phrase}
	for _, l := range lines {
		out = append(out, strings.Repeat("  ", l.depth)+"- "+l.text)
	}
	return strings.Join(out, "\n")
}

// TestSchemas renders the kinds of schema the method table uses, in the
// exact form (required members, no others) and the loose one.
func TestSchemas(t *testing.T) {
	for _, tc := range []struct {
		name, schema string
		brief, long  string // brief with " | " and members
	}{
		{"const", `{"const":true}`, "true", "`true`"},
		{"nullable", `{"type":["integer","null"]}`, "integer | null", "integer or null"},
		{"three types", `{"type":["integer","string","null"]}`, "integer | string | null", "integer, string or null"},
		{"enum", `{"type":"string","enum":["listing","fork-events"]}`, `"listing" | "fork-events"`, "`\"listing\"` or `\"fork-events\"`"},
		{"any", `{}`, "any", "any JSON value"},
		{"no schema", ``, "any", "any JSON value"},
		{"limits", `{"type":"integer","minimum":0,"maximum":86400000}`, "integer", "integer (at least 0; at most 86400000)"},
		{"pattern", `{"type":"string","pattern":"^[0-9]{1,20}$","description":"a start time"}`, "string",
			"string (matching `^[0-9]{1,20}$`) — a start time"},
		{"described object", `{"type":"array","description":"the members","items":{"type":"object","properties":{"pid":{"type":"integer","description":"its pid"}},"required":["pid"]}}`,
			"[{pid}]", "an array of objects with these members — the members:\n- `pid`: integer — its pid"},
		{"map", `{"type":"object","additionalProperties":{"type":"integer"}}`, "{…: integer}", "an object; each member: integer"},
		{"empty object", `{"type":"object","additionalProperties":false}`, "object", "an object with no members"},
		{"ref", `{"$ref":"https://example.org/meta/schema.json"}`, "", "a value of the schema [`schema.json`](https://example.org/meta/schema.json)"},
		{"loose object", `{"type":"object","properties":{"exited":{"type":"boolean"}}}`, "{exited?}",
			"an object with these members:\n- `exited?`: boolean"},
		{"exact object", `{"type":"object","properties":{"exited":{"type":"boolean"},"refused":{"type":"string"}},"required":["exited"],"additionalProperties":false}`,
			"{exited, refused?}", "an object with these members and no others:\n- `exited`: boolean\n- `refused?`: string"},
		{"nullable object", `{"type":["object","null"],"properties":{"pid":{"type":"integer"}},"required":["pid"]}`,
			"{pid} | null", "an object with these members, or null:\n- `pid`: integer"},
		{"required but undescribed", `{"type":"object","required":["x"]}`, "{x}", "an object with these members:\n- `x`: any JSON value"},
		{"array of objects", `{"type":"array","items":{"type":"object","properties":{"pid":{"type":"integer"},"comm":{"type":"string"}},"required":["pid","comm"],"additionalProperties":false}}`,
			"[{pid, comm}]", "an array of objects with these members and no others:\n- `pid`: integer\n- `comm`: string"},
		{"array of scalars", `{"type":"array","items":{"type":"integer"},"maxItems":4096}`, "[integer]", "an array; each item: integer (at most 4096 items)"},
		{"nested", `{"type":"object","properties":{` +
			`"exited":{"type":"boolean"},` +
			`"method":{"type":"string","enum":["listing","fork-events"]},` +
			`"members":{"type":"array","items":{"type":"object","properties":{"pid":{"type":"integer"},"refused":{"type":"string"}},"required":["pid"],"additionalProperties":false}}},` +
			`"required":["exited"],"additionalProperties":false}`,
			"{exited, method?, members?}",
			"an object with these members and no others:\n" +
				"- `exited`: boolean\n" +
				"- `method?`: `\"listing\"` or `\"fork-events\"`\n" +
				"- `members?`: an array of objects with these members and no others:\n" +
				"  - `pid`: integer\n" +
				"  - `refused?`: string"},
		{"one of", `{"oneOf":[{"const":true},{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]}]}`,
			"true | {a}", "exactly one of:\n- `true`\n- an object with these members:\n  - `a`: integer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := renderSchema(t, tc.schema); got != tc.long {
				t.Errorf("described as\n%s\nwant\n%s", got, tc.long)
			}
			s, _ := parseSchema(tc.schema)
			if got := s.brief(" | ", true); got != tc.brief {
				t.Errorf("brief %q, want %q", got, tc.brief)
			}
		})
	}
}

// TestSchemaKeywordsNotRenderedAreErrors: a schema that says more than the
// renderer can describe stops make docs, rather than losing what it says.
func TestSchemaKeywordsNotRenderedAreErrors(t *testing.T) {
	for _, text := range []string{
		`{"type":"integer","multipleOf":2}`,
		`{"type":"object","properties":{"a":{"not":{"type":"null"}}}}`,
		`{"type":"array","items":[{"type":"integer"}]}`,
		`[]`,
	} {
		if _, err := parseSchema(text); err == nil {
			t.Errorf("%s: no error", text)
		}
	}
}

// testMethods is a small method table.
var testMethods = []rpc.Method{
	{Name: "first", Summary: "The first.", Params: []rpc.Param{{Name: "pid", Kind: rpc.Integer, Required: true, Summary: "a pid"}},
		Result: `{"const":true}`, Example: `[1]`},
	{Name: "second", Summary: "The second.", Params: []rpc.Param{
		{Name: "signal", Kind: rpc.IntegerOrString, Nullable: true, Default: `"TERM"`, Summary: "a | signal"},
		{Name: "start_time", Kind: rpc.String, Summary: "a guard"},
	}, Result: `{"type":"object","properties":{"exited":{"type":"boolean"}},"required":["exited"],"additionalProperties":false}`,
		Example: `{"signal":"KILL"}`, Blocking: true},
	{Name: "third", Summary: "The third.", Result: `{"type":["string","null"]}`, Example: `[]`},
}

// TestReference renders one method's block.
func TestReference(t *testing.T) {
	got, err := reference(testMethods[1])
	if err != nil {
		t.Fatal(err)
	}
	want := "### `second`\n\n" +
		"`second(signal = \"TERM\", start_time?) → object`\n\n" +
		"The second.\n\n" +
		"Blocking: it runs beside other requests, never holding them up, and counts towards the 1024 blocking calls that may run at once.\n\n" +
		"| param | type | required or default | meaning |\n| --- | --- | --- | --- |\n" +
		"| `signal` | integer, string or null | `\"TERM\"` | a \\| signal |\n" +
		"| `start_time` | string | optional | a guard |\n\n" +
		"Result: an object with these members and no others:\n\n- `exited`: boolean\n\n" +
		"Example: `{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"second\",\"params\":{\"signal\":\"KILL\"}}`\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// block is a generated block's markers around text.
func block(name, text string) string {
	return startMarker + name + startEnd + "\n" + text + endMarker + "\n"
}

// TestGenerateRewritesOnlyTheBlocks: text outside the markers is kept as
// it is, a hand edit inside them is undone, and a second run changes
// nothing.
func TestGenerateRewritesOnlyTheBlocks(t *testing.T) {
	table, err := methodTable(testMethods)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(table, "The first.", "The first, edited by hand.", 1)
	doc := "# Title\n\nProse.\n\n" + block("methods", edited) + "\nMore prose.\n"
	got, err := Generate(Readme, []byte(doc), testMethods)
	if err != nil {
		t.Fatal(err)
	}
	want := "# Title\n\nProse.\n\n" + block("methods", table) + "\nMore prose.\n"
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if diff := firstDifference([]byte(doc), got); !strings.Contains(diff, "edited by hand") {
		t.Errorf("the difference does not show the edit: %s", diff)
	}
	again, err := Generate(Readme, got, testMethods)
	if err != nil || string(again) != string(got) {
		t.Errorf("a second run changed the document (%v)", err)
	}
}

// TestGenerateAddsMissingMethodBlocks: a method without a block in
// PROTOCOL.md gets one after the prose of the method before it.
func TestGenerateAddsMissingMethodBlocks(t *testing.T) {
	doc := "## 3. Methods\n\n" +
		block("method first", "") + "\nFirst's rules.\n\n" +
		block("method third", "") + "\nThird's rules.\n\n## 4. Errors\n"
	got, err := Generate(Protocol, []byte(doc), testMethods)
	if err != nil {
		t.Fatal(err)
	}
	text := string(got)
	first, second, third := strings.Index(text, "### `first`"), strings.Index(text, "### `second`"), strings.Index(text, "### `third`")
	rules := strings.Index(text, "First's rules.")
	if first < 0 || second < 0 || third < 0 || !(first < rules && rules < second && second < third) {
		t.Fatalf("blocks out of place:\n%s", text)
	}

	// A table without the first method's block: the second's goes first.
	doc = "## 3. Methods\n\n" + block("method third", "") + "\n## 4. Errors\n"
	got, err = Generate(Protocol, []byte(doc), testMethods)
	if err != nil {
		t.Fatal(err)
	}
	text = string(got)
	if !(strings.Index(text, "### `first`") < strings.Index(text, "### `second`") &&
		strings.Index(text, "### `second`") < strings.Index(text, "### `third`")) {
		t.Fatalf("blocks out of order:\n%s", text)
	}
}

// TestGenerateRefuses what it cannot write right.
func TestGenerateRefuses(t *testing.T) {
	for _, tc := range []struct{ name, file, doc, want string }{
		{"no table", Readme, "# README\n", "no generated block"},
		{"unknown block", Readme, block("methods", "") + block("colours", ""), "no such block"},
		{"unknown method", Protocol, block("method first", "") + block("method gone", ""), "a method the table does not have"},
		{"no method block", Protocol, "# Protocol\n", "no method block"},
		{"unterminated", Readme, startMarker + "methods" + startEnd + "\n| x |\n", "has no " + endMarker},
		{"nested", Readme, startMarker + "methods" + startEnd + "\n" + block("methods", ""), "starts inside"},
		{"end without start", Readme, endMarker + "\n", "without a start"},
		{"twice", Readme, block("methods", "") + block("methods", ""), "twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Generate(tc.file, []byte(tc.doc), testMethods)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}

// TestMethodTableLinksEachMethod: each row links to the method's heading.
func TestMethodTableLinksEachMethod(t *testing.T) {
	table, err := methodTable(append(testMethods, rpc.Method{Name: "rpc.discover", Result: `{"$ref":"https://example.org/schema.json"}`}))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| [`first`](PROTOCOL.md#first) | `pid` | `true` | The first. |",
		"| [`second`](PROTOCOL.md#second) | `signal` = `\"TERM\"`, `start_time`? | `{exited}` | The second. |",
		"| [`third`](PROTOCOL.md#third) | none | `string or null` | The third. |",
		"| [`rpc.discover`](PROTOCOL.md#rpcdiscover) | none | a value of the schema [`schema.json`](https://example.org/schema.json) |  |",
	} {
		if !strings.Contains(table, want+"\n") {
			t.Errorf("no row\n%s\nin\n%s", want, table)
		}
	}
}

// TestLinksIntoProtocolResolve: every link into PROTOCOL.md from the
// documents beside it, and every link within it, names one of its
// headings.
func TestLinksIntoProtocolResolve(t *testing.T) {
	root := filepath.Join("..", "..")
	protocol, err := os.ReadFile(filepath.Join(root, Protocol))
	if err != nil {
		t.Fatal(err)
	}
	anchors := map[string]int{}
	for _, m := range regexp.MustCompile(`(?m)^#{1,6} (.+)$`).FindAllStringSubmatch(string(protocol), -1) {
		anchors[anchor(m[1])]++
	}
	for a, n := range anchors {
		if n > 1 {
			t.Errorf("PROTOCOL.md has %d headings whose anchor is #%s", n, a)
		}
	}
	links := 0
	for _, name := range []string{Readme, Protocol, "BENCHMARKS.md", "CHANGELOG.md"} {
		text, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		prefix := `PROTOCOL\.md#`
		if name == Protocol {
			prefix = `(?:PROTOCOL\.md)?#`
		}
		for _, m := range regexp.MustCompile(`\]\(`+prefix+`([^)]*)\)`).FindAllStringSubmatch(string(text), -1) {
			links++
			if anchors[m[1]] == 0 {
				t.Errorf("%s links to PROTOCOL.md#%s, which is no heading there", name, m[1])
			}
		}
	}
	if links == 0 {
		t.Error("no link into PROTOCOL.md found: the pattern is wrong")
	}
}
