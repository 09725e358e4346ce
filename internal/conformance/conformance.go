// Package conformance loads sigrpc's language-neutral conformance vectors
// (rpc/testdata/conformance.json), frames them for a run, and runs them
// (Runner) through a server a test provides: in process, or the binary.
// The vectors are described in rpc/testdata/README.md; the Python and
// Node clients read the same file.
package conformance

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"
)

// Case is one vector: either a list of request bodies with the response
// bodies they must produce in order (framed for every framing), or raw
// input and output bytes for one framing.
type Case struct {
	Name      string   `json:"name"`
	Platform  string   `json:"platform,omitempty"` // "" for any, else a GOOS
	Flags     []string `json:"flags,omitempty"`    // extra sigrpc flags
	Requests  []string `json:"requests,omitempty"`
	Responses []string `json:"responses,omitempty"`
	Framing   string   `json:"framing,omitempty"` // raw cases: auto, ndjson or lsp
	Input     string   `json:"input,omitempty"`
	Output    string   `json:"output,omitempty"`
	// NeedsEOF marks a case whose last answers are owed only once the
	// input ends (a message cut short by the end of input), so that it is
	// not run with the input kept open.
	NeedsEOF bool `json:"needs_eof,omitempty"`
	// OpenOnly marks a case whose input ends with the start of a message:
	// it is run only with the input kept open, since at the end of input
	// that start would be answered too.
	OpenOnly bool `json:"open_only,omitempty"`
}

// Run is one case framed for one framing: sigrpc started with Args, given
// Input on stdin, must write exactly Output, both when stdin is then
// closed and, unless NeedsEOF, while stdin stays open (without more
// input).
type Run struct {
	Name     string // the case name and the framing
	Args     []string
	Input    string
	Output   string
	NeedsEOF bool // run only with stdin closed
	OpenOnly bool // run only with stdin kept open
}

// Load reads the vectors at path.
func Load(path string) ([]Case, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading vectors: %w", err)
	}
	var doc struct {
		Cases []Case `json:"cases"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", path, err)
	}
	return doc.Cases, nil
}

// Runs returns the runs of the cases that apply to this platform: message
// cases once per framing (ndjson and lsp), raw cases once.
func Runs(cases []Case) []Run {
	var runs []Run
	for _, c := range cases {
		if c.Platform != "" && c.Platform != runtime.GOOS {
			continue
		}
		if c.Framing != "" {
			runs = append(runs, Run{
				Name:     c.Name,
				Args:     append([]string{"--framing", c.Framing}, c.Flags...),
				Input:    c.Input,
				Output:   c.Output,
				NeedsEOF: c.NeedsEOF,
				OpenOnly: c.OpenOnly,
			})
			continue
		}
		for _, f := range []string{"ndjson", "lsp"} {
			runs = append(runs, Run{
				Name:     c.Name + " [" + f + "]",
				Args:     append([]string{"--framing", f}, c.Flags...),
				Input:    frame(f, c.Requests),
				Output:   frame(f, c.Responses),
				NeedsEOF: c.NeedsEOF,
				OpenOnly: c.OpenOnly,
			})
		}
	}
	return runs
}

// frame joins bodies framed for f.
func frame(f string, bodies []string) string {
	var b strings.Builder
	for _, body := range bodies {
		if f == "lsp" {
			fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(body), body)
		} else {
			b.WriteString(body)
			b.WriteByte('\n')
		}
	}
	return b.String()
}
