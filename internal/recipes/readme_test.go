package recipes

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The README section whose recipes these tests run, and the info strings
// of its fenced blocks: every block there is one of the three recipes.
const (
	sectionHeading = "## Editors and shells"
	langBash       = "bash"
	langLua        = "lua"
	langElisp      = "elisp"
)

// recipe is one fenced block of the section.
type recipe struct {
	lang string
	code string
	line int // README line of the opening fence
}

// readmePath is README.md at the module's root.
func readmePath() string { return filepath.Join("..", "..", "README.md") }

// sectionRecipes returns the fenced blocks of the section, in order.
func sectionRecipes(t *testing.T) []recipe {
	t.Helper()
	f, err := os.Open(readmePath())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		in, found bool
		fence     *recipe
		body      strings.Builder
		out       []recipe
	)
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case fence != nil:
			if strings.TrimSpace(line) == "```" {
				fence.code = body.String()
				out = append(out, *fence)
				fence = nil
				continue
			}
			body.WriteString(line)
			body.WriteByte('\n')
		case line == sectionHeading:
			in, found = true, true
		case in && strings.HasPrefix(line, "## "):
			in = false
		case in && strings.HasPrefix(line, "```"):
			fence = &recipe{lang: strings.TrimSpace(strings.TrimPrefix(line, "```")), line: n}
			body.Reset()
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if !found {
		t.Fatalf("README.md has no %q section", sectionHeading)
	}
	if fence != nil {
		t.Fatalf("README.md:%d: a code block that is never closed", fence.line)
	}
	return out
}

// sectionRecipe returns the section's one block tagged lang.
func sectionRecipe(t *testing.T, lang string) recipe {
	t.Helper()
	var got []recipe
	for _, r := range sectionRecipes(t) {
		if r.lang == lang {
			got = append(got, r)
		}
	}
	if len(got) != 1 {
		t.Fatalf("README.md %q: want exactly one ```%s block, found %d", sectionHeading, lang, len(got))
	}
	return got[0]
}

// TestSectionHasOneRecipePerTool checks the section's shape, without
// running anything: one block for each tool, each starting the helper
// named by $SIGRPC_BIN and signalling only the sleep child it starts.
func TestSectionHasOneRecipePerTool(t *testing.T) {
	for _, lang := range []string{langBash, langLua, langElisp} {
		r := sectionRecipe(t, lang)
		if !strings.Contains(r.code, "SIGRPC_BIN") {
			t.Errorf("README.md:%d: the %s recipe does not use $SIGRPC_BIN", r.line, lang)
		}
		if !strings.Contains(r.code, `"sleep"`) && !strings.Contains(r.code, `'sleep'`) && !strings.Contains(r.code, "sleep 60 &") {
			t.Errorf("README.md:%d: the %s recipe starts no sleep child to signal", r.line, lang)
		}
	}
	for _, r := range sectionRecipes(t) {
		switch r.lang {
		case langBash, langLua, langElisp:
		default:
			t.Errorf("README.md:%d: a ```%s block in %q: the recipes are tagged bash, lua and elisp, and each is run", r.line, r.lang, sectionHeading)
		}
	}
}
