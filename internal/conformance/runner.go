package conformance

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Server is one sigrpc session under test, in process or the binary,
// started by an Exchange with its input still open.
type Server interface {
	// Output waits until the server has written at least n bytes, or d
	// has passed, and returns everything it has written so far.
	Output(n int, d time.Duration) string
	// End ends the server's input, as a client closing stdin does, and
	// waits for the server to finish. It returns everything the server
	// wrote, and an error if it did not finish cleanly (sigrpc's exit
	// status 0, Serve's nil).
	End() (string, error)
}

// Exchange starts a server configured as sigrpc's flags args say, and
// writes input to it, keeping the input open. The server must be ended
// when the test ends, whether End was called or not.
type Exchange func(t *testing.T, args []string, input string) Server

// Runner runs the vectors, as rpc/testdata/README.md says, through an
// Exchange.
type Runner struct {
	Exchange Exchange
	// Check, if not nil, is called with every result the server answers
	// (not errors), and the method of the request it answers.
	Check func(t *testing.T, method string, result json.RawMessage)
}

// Run runs every case of the vectors file at path that applies on this
// platform, each framing of it, in its two modes: input closed, then
// input kept open (except as the case's needs_eof and open_only say). The
// subtests run in parallel.
func (r Runner) Run(t *testing.T, path string) {
	cases, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, run := range Runs(cases) {
		if !run.OpenOnly {
			t.Run(run.Name, func(t *testing.T) {
				t.Parallel()
				out, err := r.Exchange(t, run.Args, run.Input).End()
				if out != run.Output || err != nil {
					t.Fatalf("input  %q\ngot    %q (%v)\nwant   %q", run.Input, out, err, run.Output)
				}
				r.check(t, run.Input, out)
			})
		}
		if !run.NeedsEOF {
			t.Run(run.Name+" [input open]", func(t *testing.T) {
				t.Parallel()
				r.runOpen(t, run)
			})
		}
	}
}

// runOpen runs a vector as a synchronous client does: it writes the input
// and waits for the answers with the input still open, so an answer that
// waits for more input shows as a timeout. Then it ends the input: the
// server must finish cleanly, without writing anything more unless the
// input ends inside a message (OpenOnly), which is then answered too.
func (r Runner) runOpen(t *testing.T, run Run) {
	s := r.Exchange(t, run.Args, run.Input)
	got := s.Output(len(run.Output), 2*time.Second)
	out, err := s.End()
	if got != run.Output {
		t.Fatalf("with the input still open\ninput  %q\ngot    %q\nwant   %q", run.Input, got, run.Output)
	}
	if rest := out[len(got):]; err != nil || (rest != "" && !run.OpenOnly) {
		t.Fatalf("at the end of input: %v, more output %q", err, rest)
	}
	r.check(t, run.Input, got)
}

// check calls r.Check with every result in output, and the method of the
// request in input it answers.
func (r Runner) check(t *testing.T, input, output string) {
	if r.Check == nil {
		return
	}
	methods := requestMethods(input)
	for _, body := range outputBodies(output) {
		for _, a := range responses(body) {
			id := string(a.ID)
			queue := methods[id]
			if len(queue) == 0 {
				if a.Result != nil {
					t.Errorf("the result %s has id %s, which no request in the input has", a.Result, id)
				}
				continue
			}
			methods[id] = queue[1:]
			if a.Result != nil {
				r.Check(t, queue[0], a.Result)
			}
		}
	}
}

// answer is one response, as far as check needs it.
type answer struct {
	ID     json.RawMessage `json:"id"`
	Result json.RawMessage `json:"result"`
}

// responses decodes body, a response or a batch of them.
func responses(body string) []answer {
	var batch []answer
	if json.Unmarshal([]byte(body), &batch) == nil {
		return compactIDs(batch)
	}
	var one answer
	if json.Unmarshal([]byte(body), &one) == nil {
		return compactIDs([]answer{one})
	}
	return nil
}

func compactIDs(as []answer) []answer {
	for i := range as {
		as[i].ID = compact(as[i].ID)
	}
	return as
}

// compact returns the JSON value v as the key by which requests and
// responses are matched: decoded and encoded again, so that white space,
// escapes, and the text sigrpc puts in place of what is not valid UTF-8
// (\ufffd) do not tell an id from its echo.
func compact(v json.RawMessage) json.RawMessage {
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	var x any
	if dec.Decode(&x) != nil {
		return v
	}
	b, err := json.Marshal(x)
	if err != nil {
		return v
	}
	return b
}

// requestMethods finds the requests in input, framed or raw, whole or
// not: every JSON value in it that is a request with an id, alone or in
// a batch. It returns their methods by id, in input order.
func requestMethods(input string) map[string][]string {
	methods := map[string][]string{}
	add := func(v json.RawMessage) {
		var req struct {
			ID     json.RawMessage `json:"id"`
			Method *string         `json:"method"`
		}
		if json.Unmarshal(v, &req) == nil && req.ID != nil && req.Method != nil {
			id := string(compact(req.ID))
			methods[id] = append(methods[id], *req.Method)
		}
	}
	for i := 0; i < len(input); i++ {
		if input[i] != '{' && input[i] != '[' {
			continue
		}
		dec := json.NewDecoder(strings.NewReader(input[i:]))
		var v json.RawMessage
		if dec.Decode(&v) != nil {
			continue // not a value from here: look inside it
		}
		var batch []json.RawMessage
		if json.Unmarshal(v, &batch) == nil {
			for _, member := range batch {
				add(member)
			}
		} else {
			add(v)
		}
		i += int(dec.InputOffset()) - 1
	}
	return methods
}

// outputBodies splits what sigrpc wrote into message bodies: ndjson
// lines and Content-Length frames, in either order (auto framing may
// answer a line before it settles on frames).
func outputBodies(out string) []string {
	var bodies []string
	for out != "" {
		if head, ok := strings.CutPrefix(out, "Content-Length: "); ok {
			n, rest, found := strings.Cut(head, "\r\n\r\n")
			size, err := strconv.Atoi(n)
			if !found || err != nil || size > len(rest) {
				return bodies
			}
			bodies, out = append(bodies, rest[:size]), rest[size:]
			continue
		}
		line, rest, _ := strings.Cut(out, "\n")
		bodies, out = append(bodies, line), rest
	}
	return bodies
}
