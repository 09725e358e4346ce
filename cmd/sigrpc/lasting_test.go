package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sigrpc/sigrpc/internal/testio"
)

// scriptedInput is an rpc.ReadyReader that plays a script: each Read
// takes the next step, which says whether it was waiting (Ready) and what
// it returns.
type scriptedInput struct {
	steps []inputStep
	polls int // calls of Ready
}

type inputStep struct {
	ready bool   // input (or its end) is waiting
	data  string // "" is the end of input
}

func (s *scriptedInput) Ready() bool {
	s.polls++
	return len(s.steps) > 0 && s.steps[0].ready
}

func (s *scriptedInput) Read(p []byte) (int, error) {
	if len(s.steps) == 0 {
		return 0, io.EOF
	}
	step := s.steps[0]
	s.steps = s.steps[1:]
	if step.data == "" {
		return 0, io.EOF
	}
	return copy(p, step.data), nil
}

// readAll reads in until its end, noting before each read whether begin
// has been called, and returns those notes.
func readAll(t *testing.T, in io.Reader, begun *int) []int {
	t.Helper()
	var seen []int
	buf := make([]byte, 64)
	for {
		seen = append(seen, *begun)
		if _, err := in.Read(buf); err != nil {
			return seen
		}
	}
}

func TestLastingInput(t *testing.T) {
	for _, tc := range []struct {
		name  string
		steps []inputStep
		want  []int // begin's calls so far, before each read
		final int
	}{
		// A one-shot run: its input is waiting, then its end.
		{"one-shot", []inputStep{{true, "req"}, {true, ""}}, []int{0, 0}, 0},
		{"one read, then a wait", []inputStep{{true, "req"}, {false, "next"}, {true, ""}}, []int{0, 0, 1}, 1},
		{"a wait first", []inputStep{{false, "req"}, {true, ""}}, []int{0, 1}, 1},
		{"two reads of input", []inputStep{{true, "a"}, {true, "b"}, {true, "c"}, {true, ""}}, []int{0, 0, 1, 1}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			begun := 0
			in := &lastingInput{r: &scriptedInput{steps: tc.steps}, begin: func() { begun++ }}
			if got := readAll(t, in, &begun); !slices.Equal(got, tc.want) || begun != tc.final {
				t.Fatalf("begin called %v times before each read and %d in all, want %v and %d", got, begun, tc.want, tc.final)
			}
		})
	}
}

// TestLastingInputAsksOncePerRead: the session's reader asks Ready before
// a read; the read does not ask again, so watching input costs no more
// polls than it did.
func TestLastingInputAsksOncePerRead(t *testing.T) {
	script := &scriptedInput{steps: []inputStep{{true, "req"}, {true, ""}}}
	in := &lastingInput{r: script, begin: func() {}}
	for {
		in.Ready()
		if _, err := in.Read(make([]byte, 8)); err != nil {
			break
		}
	}
	if script.polls != 2 {
		t.Fatalf("%d polls for 2 reads", script.polls)
	}
}

// fullPipe returns a pipe whose buffer is full: a write to w would wait.
func fullPipe(t *testing.T) (r, w *os.File) {
	t.Helper()
	r, w = testio.Pipe(t)
	chunk := bytes.Repeat([]byte("x"), 4096)
	for {
		w.SetWriteDeadline(time.Now().Add(20 * time.Millisecond))
		if _, err := w.Write(chunk); errors.Is(err, os.ErrDeadlineExceeded) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	w.SetWriteDeadline(time.Time{})
	return r, w
}

func TestLastingOutputBeginsBeforeAWriteThatCouldWait(t *testing.T) {
	t.Run("an answer that fits", func(t *testing.T) {
		_, w := testio.Pipe(t)
		out := &lastingOutput{f: w, begin: func() { t.Error("begun for a write that fits") }}
		if _, err := out.Write([]byte(`{"jsonrpc":"2.0","id":1,"result":15}` + "\n")); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("more than a write surely takes", func(t *testing.T) {
		_, w := testio.Pipe(t)
		begun := 0
		out := &lastingOutput{f: w, begin: func() { begun++ }}
		for range 2 {
			if _, err := out.Write([]byte(strings.Repeat("x", atOnce+1))); err != nil {
				t.Fatal(err)
			}
		}
		if begun != 1 {
			t.Fatalf("begin called %d times, want once", begun)
		}
	})
	t.Run("a full pipe", func(t *testing.T) {
		r, w := fullPipe(t)
		begun := make(chan struct{})
		out := &lastingOutput{f: w, begin: func() { close(begun) }}
		wrote := make(chan error, 1)
		go func() { _, err := out.Write([]byte("answer\n")); wrote <- err }()
		select {
		case <-begun: // before the write could take the answer
		case err := <-wrote:
			t.Fatalf("a write to a full pipe returned (%v)", err)
		case <-time.After(10 * time.Second):
			t.Fatal("begin not called 10 s into a write to a full pipe")
		}
		if _, err := io.CopyN(io.Discard, r, 4096); err != nil { // room for the answer
			t.Fatal(err)
		}
		if err := <-wrote; err != nil {
			t.Fatal(err)
		}
	})
}
