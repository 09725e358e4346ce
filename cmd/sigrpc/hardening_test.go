//go:build linux

package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/sigrpc/sigrpc/internal/spawn"
)

// TestHugeMessagesUseBoundedMemory sends a 64 MiB line, a 64 MiB frame,
// and a frame declaring 2^40 bytes: each gets an error, the next request
// is answered, and the helper's peak memory stays under 64 MiB.
func TestHugeMessagesUseBoundedMemory(t *testing.T) {
	t.Parallel()
	const size = 64 << 20
	probe := `{"jsonrpc":"2.0","id":2,"method":"signum","params":["INT"]}`
	for _, tc := range []struct {
		name, framing, head, tail string
		closeAfter                bool
	}{
		{"ndjson line", "ndjson", `{"x":"`, "\"}\n" + probe + "\n", false},
		{"lsp body", "lsp", fmt.Sprintf("Content-Length: %d\r\n\r\n", size), fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(probe), probe), false},
		{"lsp 2^40", "lsp", fmt.Sprintf("Content-Length: %d\r\n\r\n", int64(1)<<40), "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := startHelper(t, "--framing", tc.framing)
			peak := make(chan int, 1)
			go func() {
				w := bufio.NewWriterSize(h.Stdin, 1<<20)
				w.WriteString(tc.head)
				chunk := strings.Repeat("A", 1<<20)
				for range size >> 20 {
					w.WriteString(chunk)
				}
				w.WriteString(tc.tail)
				w.Flush()
				peak <- procStatus(t, h.Pid, "VmHWM") // everything is read or being read
				if tc.closeAfter {
					h.Stdin.Close()
				}
			}()
			if got := readFramed(t, h, tc.framing); !strings.Contains(got, `"message too large"`) {
				t.Fatalf("got %q, want message too large", got)
			}
			if !tc.closeAfter {
				if got := readFramed(t, h, tc.framing); got != `{"jsonrpc":"2.0","id":2,"result":2}` {
					t.Fatalf("the request after the huge one: %s", got)
				}
				if p := procStatus(t, h.Pid, "VmHWM"); p > 64<<10 {
					t.Fatalf("peak memory %d KiB for a 64 MiB message", p)
				}
			}
			if p := <-peak; p > 64<<10 {
				t.Fatalf("peak memory %d KiB while a 64 MiB message streamed in", p)
			}
		})
	}
}

// TestStalledReaderLosesNothing fills the output pipe while nobody reads,
// then reads: every answer arrives, in order.
func TestStalledReaderLosesNothing(t *testing.T) {
	h := startHelper(t)
	const n = 20000 // about 800 KiB of answers, far beyond a pipe's buffer
	go func() {
		w := bufio.NewWriter(h.Stdin)
		for i := range n {
			fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%d,"method":"signum","params":["TERM"]}`+"\n", i)
		}
		w.Flush()
	}()
	// The helper blocks on the full pipe.
	spawn.WaitFor(t, "the output pipe to fill", func() bool { return outputFull(t, h.Pid) })
	for i := range n {
		if got, want := h.Next(t), fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"result":15}`, i); got != want {
			t.Fatalf("answer %d: %s, want %s", i, got, want)
		}
	}
}

// TestInvalidStormKeepsEveryValidAnswer interleaves malformed messages of
// every kind with valid requests.
func TestInvalidStormKeepsEveryValidAnswer(t *testing.T) {
	t.Parallel()
	bad := []string{"{", "null", "[]", `{"jsonrpc":"1.0","id":1,"method":"x"}`, `{"id":true}`, "\x00\xff", `[1,2,3]`,
		strings.Repeat("[", 10000), `{"jsonrpc":"2.0","id":1,"method":"signum","params":[1.5]}`, "\r"}
	var in strings.Builder
	valid := 0
	for i := range 5000 {
		in.WriteString(bad[i%len(bad)] + "\n")
		if i%3 == 0 {
			fmt.Fprintf(&in, `{"jsonrpc":"2.0","id":"v%d","method":"signum","params":["KILL"]}`+"\n", valid)
			valid++
		}
	}
	out, _, code := runBinary(t, in.String())
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	next := 0
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, `"id":"v`) {
			if want := fmt.Sprintf(`{"jsonrpc":"2.0","id":"v%d","result":9}`, next); line != want {
				t.Fatalf("got %s, want %s", line, want)
			}
			next++
		}
	}
	if next != valid {
		t.Fatalf("%d of %d valid requests answered", next, valid)
	}
}

// TestMillionPipelinedRequests sends 1,000,000 requests with 256 in
// flight: none lost, none mismatched, memory flat.
func TestMillionPipelinedRequests(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	t.Parallel()
	const total, window = 1_000_000, 256
	h := startPlain(t) // the race detector's own memory would hide ours
	h.Send(t, `{"jsonrpc":"2.0","id":-1,"method":"signum","params":["TERM"]}`+"\n")
	if _, err := h.R.ReadSlice('\n'); err != nil { // not h.Next: this test reads stdout itself
		t.Fatal(err)
	}
	before := procStatus(t, h.Pid, "VmHWM")
	tokens := make(chan struct{}, window)
	go func() {
		w := bufio.NewWriterSize(h.Stdin, 64<<10)
		for i := range total {
			select {
			case tokens <- struct{}{}:
			default:
				w.Flush()
				tokens <- struct{}{}
			}
			fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%d,"method":"signum","params":[%d]}`+"\n", i, i)
		}
		w.Flush()
	}()
	r := h.R
	for i := range total {
		line, err := r.ReadSlice('\n')
		if err != nil {
			t.Fatalf("after %d answers: %v", i, err)
		}
		want := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"result":%d}`+"\n", i, i)
		if string(line) != want {
			t.Fatalf("answer %d = %q, want %q", i, line, want)
		}
		<-tokens
	}
	after := procStatus(t, h.Pid, "VmHWM")
	t.Logf("VmHWM %d KiB before, %d KiB after 1M requests", before, after)
	if after > before+8<<10 {
		t.Fatalf("peak memory grew from %d to %d KiB", before, after)
	}
}

// TestOnlyStdioReachesTheHelper backs the threat model's first claim: the
// helper opens no socket; only whoever holds its stdin can talk to it.
func TestOnlyStdioReachesTheHelper(t *testing.T) {
	h := startHelper(t)
	c := spawn.Sleep(t, false)
	// Exercise the pidfd paths too, then look at every open descriptor.
	h.Call(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"wait","params":[%d,1]}`, c.Pid))
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", h.Pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		target, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", h.Pid, fd.Name()))
		if strings.HasPrefix(target, "socket:") {
			t.Errorf("fd %s is a socket (%s)", fd.Name(), target)
		}
	}
}
