//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"syscall"
	"testing"

	"github.com/sigrpc/sigrpc/internal/spawn"
)

// This file checks that batches are bounded like the rest of the session:
// the answers a batch holds until its last member answers count against
// the helper's output bound, whatever the batch asks for and however long
// its members take.

// batchLine joins members into a batch.
func batchLine(members []string) string {
	return "[" + strings.Join(members, ",") + "]"
}

// batchAnswer is one response in a batch's answer.
type batchAnswer struct {
	ID     json.RawMessage
	Result json.RawMessage
	Error  *struct {
		Code    int
		Message string
		Data    struct{ Reason string }
	}
}

// discoverOrRefused checks that a is either rpc.discover's document or the
// error for a member the output bound kept from running.
func discoverOrRefused(t *testing.T, a batchAnswer) {
	t.Helper()
	switch {
	case a.Error == nil && strings.HasPrefix(string(a.Result), `{"openrpc":`):
	case a.Error != nil && a.Error.Code == -32000:
	default:
		t.Fatalf("id %s: result %.80s, error %+v; want the OpenRPC document or -32000", a.ID, a.Result, a.Error)
	}
}

// TestBatchOfDiscoverCallsKeepsTheHelperSmall: one line of just under 1 MiB
// holding a batch of rpc.discover calls (about 21,000, each answered with a
// 5 KB document) is answered in full, either member by member or as one
// refusal of the whole batch, and the helper's peak memory stays under
// 64 MiB.
func TestBatchOfDiscoverCallsKeepsTheHelperSmall(t *testing.T) {
	t.Parallel()
	h := startPlain(t) // the race detector's own memory would hide ours
	var members []string
	for size := 2; ; {
		m := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"rpc.discover"}`, len(members))
		if size+len(m)+1 > 1<<20-64 {
			break
		}
		members = append(members, m)
		size += len(m) + 1
	}
	h.Send(t, batchLine(members)+"\n") // stdin stays open: the helper stays up to be measured
	line := h.Next(t)
	hwm := procStatus(t, h.Pid, "VmHWM")
	t.Logf("a batch of %d rpc.discover calls: %d-byte answer, VmHWM %d KiB", len(members), len(line), hwm)
	if hwm > 64<<10 {
		t.Errorf("peak memory %d KiB for one batch of %d rpc.discover calls, want under 64 MiB", hwm, len(members))
	}
	var whole batchAnswer
	var answers []batchAnswer
	switch {
	case json.Unmarshal([]byte(line), &answers) == nil:
		if len(answers) != len(members) {
			t.Fatalf("%d answers to %d members", len(answers), len(members))
		}
		for i, a := range answers {
			if string(a.ID) != fmt.Sprint(i) {
				t.Fatalf("answer %d has id %s", i, a.ID)
			}
			discoverOrRefused(t, a)
		}
	case json.Unmarshal([]byte(line), &whole) == nil:
		if whole.Error == nil || whole.Error.Code != -32600 || string(whole.ID) != "null" || !strings.HasPrefix(whole.Error.Data.Reason, "more than ") {
			t.Fatalf("the batch was answered %.200s; want an answer per member or one -32600 refusal", line)
		}
	default:
		t.Fatalf("the answer is not JSON: %.200s", line)
	}
	h.Stdin.Close()
	if code := waitExit(t, h); code != 0 {
		t.Fatalf("exit %d; stderr: %s", code, h.Stderr)
	}
}

// TestPendingBatchesKeepTheHelperSmall: eight batches of half a MiB, each a
// wait on a live process (60 s) and 1,023 rpc.discover calls with long
// ids, sent by a client that reads normally, leave the helper under
// 32 MiB while the waits are pending: the answers the batches would hold
// come to 45 MB (5.5 KB a call), so a helper that held them all could not
// be. Ending the process ends the waits, and every batch is answered in
// full: each member with its result, or with the -32000 error of a member
// the output bound kept from running.
func TestPendingBatchesKeepTheHelperSmall(t *testing.T) {
	t.Parallel()
	c := spawn.Sleep(t, false)
	h := startPlain(t)
	h.ReadLines() // the client reads as answers come
	const batches, fillers = 8, 1023
	pad := strings.Repeat("p", 470)
	for b := range batches {
		members := []string{fmt.Sprintf(`{"jsonrpc":"2.0","id":"wait-%d","method":"wait","params":{"pid":%d,"timeout_ms":60000}}`, b, c.Pid)}
		for i := range fillers {
			members = append(members, fmt.Sprintf(`{"jsonrpc":"2.0","id":"%d-%d-%s","method":"rpc.discover"}`, b, i, pad))
		}
		line := batchLine(members)
		if len(line) < 1<<19 || len(line) > 1<<20 {
			t.Fatalf("batch %d is %d bytes, want half a MiB to 1 MiB", b, len(line))
		}
		h.Send(t, line+"\n")
	}
	// Messages are dispatched in order: once this is answered, every
	// batch has run as far as it can without the process ending.
	h.Send(t, `{"jsonrpc":"2.0","id":"probe","method":"signum","params":["TERM"]}`+"\n")
	got := map[int][]batchAnswer{}
	for {
		line := h.Next(t)
		if line == `{"jsonrpc":"2.0","id":"probe","result":15}` {
			break
		}
		collectBatch(t, line, got)
	}
	pid := h.Pid
	hwm, rss := procStatus(t, pid, "VmHWM"), procStatus(t, pid, "VmRSS")
	t.Logf("with %d of %d batches waiting: VmRSS %d KiB, VmHWM %d KiB", batches-len(got), batches, rss, hwm)
	if hwm > 32<<10 {
		t.Errorf("peak memory %d KiB with eight pending batches, want under 32 MiB", hwm)
	}
	if len(got) == batches {
		t.Fatal("every batch was answered while its wait was pending")
	}
	// End the waits: the process the test started is killed (and reaped at
	// cleanup).
	if err := c.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for len(got) < batches {
		collectBatch(t, h.Next(t), got)
	}
	exited := 0
	for b, answers := range got {
		if len(answers) != 1+fillers {
			t.Fatalf("batch %d: %d answers, want %d", b, len(answers), 1+fillers)
		}
		switch w := answers[0]; {
		case w.Error == nil && string(w.Result) == `{"exited":true}`:
			exited++
		case w.Error != nil && w.Error.Code == -32000:
		default:
			t.Fatalf("batch %d: the wait answered %s, error %+v", b, w.Result, w.Error)
		}
		for i, a := range answers[1:] {
			if want := fmt.Sprintf(`"%d-%d-%s"`, b, i, pad); string(a.ID) != want {
				t.Fatalf("batch %d, answer %d: id %.20s…, want %.20s…", b, i+1, a.ID, want)
			}
			discoverOrRefused(t, a)
		}
	}
	if exited == 0 {
		t.Fatal("no wait was pending until the process ended")
	}
	h.Stdin.Close()
	if code := waitExit(t, h); code != 0 {
		t.Fatalf("exit %d; stderr: %s", code, h.Stderr)
	}
}

// collectBatch decodes line, the answer to one of the batches of
// TestPendingBatchesKeepTheHelperSmall, into got by the batch's number.
func collectBatch(t *testing.T, line string, got map[int][]batchAnswer) {
	t.Helper()
	var answers []batchAnswer
	if err := json.Unmarshal([]byte(line), &answers); err != nil || len(answers) == 0 {
		t.Fatalf("not a batch answer (%v): %.200s", err, line)
	}
	var b int
	if _, err := fmt.Sscanf(string(answers[0].ID), `"wait-%d"`, &b); err != nil {
		t.Fatalf("the batch answer starts with id %s, want its wait's", answers[0].ID)
	}
	if _, dup := got[b]; dup {
		t.Fatalf("batch %d answered twice", b)
	}
	got[b] = answers
}
