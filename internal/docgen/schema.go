package docgen

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// schema is a JSON Schema, as much of one as the renderer describes. Its
// properties keep the order in which the schema lists them.
type schema struct {
	types    []string // "type": one name or a list; nil when absent
	props    []property
	required []string
	items    *schema  // "items" as one schema
	enum     []string // JSON text of each value
	constant string   // JSON text of "const"; "" when absent
	// additionalProperties: absent, false, true, or a schema.
	addlFalse  bool
	addlSchema *schema
	ref        string
	oneOf      []*schema
	anyOf      []*schema
	title      string
	desc       string
	// limits, each as its JSON text ("" when absent), rendered as notes.
	limits map[string]string
	format string
}

// property is one member of an object schema.
type property struct {
	name   string
	schema *schema
}

// limitWords phrases each numeric limit keyword a schema may carry.
var limitWords = []struct{ key, words string }{
	{"minimum", "at least %s"},
	{"exclusiveMinimum", "more than %s"},
	{"maximum", "at most %s"},
	{"exclusiveMaximum", "less than %s"},
	{"minLength", "at least %s characters"},
	{"maxLength", "at most %s characters"},
	{"minItems", "at least %s items"},
	{"maxItems", "at most %s items"},
	{"minProperties", "at least %s members"},
	{"maxProperties", "at most %s members"},
	{"pattern", "matching %s"},
}

// parseSchema parses the JSON text of a schema. A keyword the renderer
// does not describe is an error rather than silently left out, so that
// the generated reference never says less than the schema does.
func parseSchema(text string) (*schema, error) {
	if strings.TrimSpace(text) == "" {
		return &schema{}, nil // no schema: any value
	}
	members, err := objectMembers([]byte(text))
	if err != nil {
		return nil, fmt.Errorf("schema %s: %w", text, err)
	}
	s := &schema{limits: map[string]string{}}
	for _, m := range members {
		if err := s.set(m.key, m.value); err != nil {
			return nil, fmt.Errorf("schema keyword %q: %w", m.key, err)
		}
	}
	return s, nil
}

// set records one keyword of s.
func (s *schema) set(key string, raw json.RawMessage) error {
	switch key {
	case "type":
		if raw[0] == '"' {
			var t string
			if err := json.Unmarshal(raw, &t); err != nil {
				return err
			}
			s.types = []string{t}
			return nil
		}
		return json.Unmarshal(raw, &s.types)
	case "properties":
		members, err := objectMembers(raw)
		if err != nil {
			return err
		}
		for _, m := range members {
			p, err := parseSchema(string(m.value))
			if err != nil {
				return fmt.Errorf("%s: %w", m.key, err)
			}
			s.props = append(s.props, property{m.key, p})
		}
		return nil
	case "required":
		return json.Unmarshal(raw, &s.required)
	case "items":
		if raw[0] != '{' {
			return errors.New("only a single schema is described")
		}
		item, err := parseSchema(string(raw))
		s.items = item
		return err
	case "enum":
		var values []json.RawMessage
		if err := json.Unmarshal(raw, &values); err != nil {
			return err
		}
		for _, v := range values {
			s.enum = append(s.enum, compactJSON(v))
		}
		return nil
	case "const":
		s.constant = compactJSON(raw)
		return nil
	case "additionalProperties":
		switch string(bytes.TrimSpace(raw)) {
		case "false":
			s.addlFalse = true
		case "true":
		default:
			addl, err := parseSchema(string(raw))
			if err != nil {
				return err
			}
			s.addlSchema = addl
		}
		return nil
	case "$ref":
		return json.Unmarshal(raw, &s.ref)
	case "oneOf", "anyOf":
		var subs []json.RawMessage
		if err := json.Unmarshal(raw, &subs); err != nil {
			return err
		}
		for _, sub := range subs {
			p, err := parseSchema(string(sub))
			if err != nil {
				return err
			}
			if key == "oneOf" {
				s.oneOf = append(s.oneOf, p)
			} else {
				s.anyOf = append(s.anyOf, p)
			}
		}
		return nil
	case "title":
		return json.Unmarshal(raw, &s.title)
	case "description":
		return json.Unmarshal(raw, &s.desc)
	case "format":
		return json.Unmarshal(raw, &s.format)
	case "$schema", "$id", "$comment", "examples", "default":
		return nil // documentation about the schema, not about the value
	}
	for _, l := range limitWords {
		if key == l.key {
			s.limits[key] = compactJSON(raw)
			return nil
		}
	}
	return errors.New("not described by internal/docgen: teach schema.go to render it")
}

// member is one member of a JSON object, in the order of its text.
type member struct {
	key   string
	value json.RawMessage
}

// objectMembers returns the members of the JSON object text, in order.
func objectMembers(text []byte) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	var out []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, err
		}
		out = append(out, member{tok.(string), value})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	return out, nil
}

// compactJSON returns raw without insignificant space.
func compactJSON(raw []byte) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}

// isRequired reports whether an object schema requires its member name.
func (s *schema) isRequired(name string) bool {
	for _, r := range s.required {
		if r == name {
			return true
		}
	}
	return false
}

// members returns the object's members: its properties, then any member
// it requires without describing it.
func (s *schema) members() []property {
	out := append([]property(nil), s.props...)
	for _, r := range s.required {
		known := false
		for _, p := range s.props {
			known = known || p.name == r
		}
		if !known {
			out = append(out, property{r, &schema{}})
		}
	}
	return out
}

// has reports whether s allows the JSON type t.
func (s *schema) has(t string) bool {
	for _, x := range s.types {
		if x == t {
			return true
		}
	}
	return false
}

// isArray reports whether s describes arrays by their items.
func (s *schema) isArray() bool {
	return s.items != nil && (len(s.types) == 0 || s.has("array"))
}

// isObject reports whether s describes objects by their members.
func (s *schema) isObject() bool {
	return len(s.props) > 0 || len(s.required) > 0 || s.addlFalse || s.addlSchema != nil || (len(s.types) == 1 && s.has("object"))
}

// orList joins words as "a", "a or b", "a, b or c".
func orList(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// code formats text as a Markdown code span.
func code(text string) string {
	if strings.Contains(text, "`") {
		return "`` " + text + " ``"
	}
	return "`" + text + "`"
}

// line is one line of a rendered description, at a nesting depth.
type line struct {
	depth int
	text  string
}

// Describe renders s for a reader: a phrase, and, for objects with
// members, arrays of them and alternatives, the nested lines that list
// them. The phrase ends with ":" exactly when lines follow.
func (s *schema) describe() (string, []line) {
	var phrase string
	var lines []line
	switch {
	case s.ref != "":
		phrase = "a value of the schema " + link(s.ref)
	case s.constant != "":
		phrase = code(s.constant)
	case len(s.enum) > 0:
		values := make([]string, len(s.enum))
		for i, v := range s.enum {
			values[i] = code(v)
		}
		phrase = orList(values)
	case len(s.oneOf) > 0 || len(s.anyOf) > 0:
		alts, head := s.oneOf, "exactly one of"
		if len(alts) == 0 {
			alts, head = s.anyOf, "any of"
		}
		phrase = head + ":"
		for _, a := range alts {
			p, sub := a.describe()
			lines = append(lines, line{0, p})
			lines = append(lines, indent(sub)...)
		}
	case s.isObject():
		phrase, lines = s.describeObject("an object")
	case s.isArray() && s.items.isObject() && len(s.items.members()) > 0:
		p, sub := s.items.describeObject("objects")
		phrase, lines = "an array of "+p, sub
	case s.isArray():
		p, sub := s.items.describe()
		phrase, lines = "an array; each item: "+p, sub
	case len(s.types) > 0:
		phrase = orList(s.types)
	default:
		phrase = "any JSON value"
	}
	if notes := s.notes(); notes != "" {
		phrase = addNote(phrase, notes)
	}
	if about := s.about(); about != "" {
		head, colon := strings.CutSuffix(phrase, ":")
		phrase = head + " — " + about
		if colon {
			phrase += ":"
		}
	}
	return phrase, lines
}

// describeObject renders an object schema, called noun ("an object",
// "objects"): its members, whether others may appear, and what they are.
func (s *schema) describeObject(noun string) (string, []line) {
	others := ""
	for _, t := range s.types {
		if t != "object" {
			others += " or " + t
		}
	}
	members := s.members()
	switch {
	case len(members) == 0 && s.addlSchema != nil:
		p, sub := s.addlSchema.describe()
		return noun + others + "; each member: " + p, sub
	case len(members) == 0 && s.addlFalse:
		return noun + " with no members" + others, nil
	case len(members) == 0:
		return noun + others, nil
	}
	phrase := noun + " with these members"
	if s.addlFalse {
		phrase += " and no others"
	}
	var lines []line
	for _, m := range members {
		name := m.name
		if !s.isRequired(name) {
			name += "?"
		}
		p, sub := m.schema.describe()
		lines = append(lines, line{0, code(name) + ": " + p})
		lines = append(lines, indent(sub)...)
	}
	if s.addlSchema != nil {
		p, sub := s.addlSchema.describe()
		lines = append(lines, line{0, "any other member: " + p})
		lines = append(lines, indent(sub)...)
	}
	if others != "" {
		phrase += "," + others
	}
	return phrase + ":", lines
}

// notes returns the limits and the format s sets beside its type.
func (s *schema) notes() string {
	var notes []string
	for _, l := range limitWords {
		if v, ok := s.limits[l.key]; ok {
			if l.key == "pattern" {
				var p string
				if json.Unmarshal([]byte(v), &p) == nil {
					v = code(p)
				}
			}
			notes = append(notes, fmt.Sprintf(l.words, v))
		}
	}
	if s.format != "" {
		notes = append(notes, "format "+s.format)
	}
	return strings.Join(notes, "; ")
}

// about returns what s says of its value in words: its title and
// description.
func (s *schema) about() string {
	var about []string
	for _, text := range []string{s.title, s.desc} {
		if text != "" {
			about = append(about, text)
		}
	}
	return strings.Join(about, "; ")
}

// addNote puts notes in parentheses after phrase, before its colon.
func addNote(phrase, notes string) string {
	if head, ok := strings.CutSuffix(phrase, ":"); ok {
		return head + " (" + notes + "):"
	}
	return phrase + " (" + notes + ")"
}

// indent nests lines one level deeper.
func indent(lines []line) []line {
	out := make([]line, len(lines))
	for i, l := range lines {
		out[i] = line{l.depth + 1, l.text}
	}
	return out
}

// link renders a schema reference: a link when it is a URL.
func link(ref string) string {
	if strings.HasPrefix(ref, "https://") || strings.HasPrefix(ref, "http://") {
		return "[" + code(ref[strings.LastIndex(ref, "/")+1:]) + "](" + ref + ")"
	}
	return code(ref)
}

// brief renders s in a few words, for a signature or a table cell: a
// constant or an enumeration as its values, a union of types as their
// names, an object as its member names ({a, b?}), an array as [item].
// sep joins alternatives. The empty string means s has no short form.
func (s *schema) brief(sep string, members bool) string {
	switch {
	case s.ref != "":
		return s.title
	case s.constant != "":
		return s.constant
	case len(s.enum) > 0:
		return strings.Join(s.enum, sep)
	case len(s.oneOf) > 0 || len(s.anyOf) > 0:
		var alts []string
		for _, a := range append(append([]*schema(nil), s.oneOf...), s.anyOf...) {
			b := a.brief(sep, members)
			if b == "" {
				return ""
			}
			alts = append(alts, b)
		}
		return strings.Join(alts, sep)
	}
	var words []string
	object := s.isObject()
	if object {
		words = append(words, s.briefObject(members))
	}
	for _, t := range s.types {
		switch {
		case t == "object" && object:
		case t == "array" && s.isArray():
			item := s.items.brief(sep, members)
			if item == "" {
				return ""
			}
			words = append(words, "["+item+"]")
		default:
			words = append(words, t)
		}
	}
	if len(s.types) == 0 && s.isArray() {
		item := s.items.brief(sep, members)
		if item == "" {
			return ""
		}
		words = append(words, "["+item+"]")
	}
	if len(words) == 0 {
		return "any"
	}
	return strings.Join(words, sep)
}

// briefObject renders an object schema as its member names, or as the
// word object.
func (s *schema) briefObject(members bool) string {
	if !members {
		return "object"
	}
	var names []string
	for _, m := range s.members() {
		name := m.name
		if !s.isRequired(name) {
			name += "?"
		}
		names = append(names, name)
	}
	if s.addlSchema != nil {
		names = append(names, "…: "+s.addlSchema.brief(" or ", true))
	}
	if len(names) == 0 {
		return "object"
	}
	return "{" + strings.Join(names, ", ") + "}"
}
