package rpc

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sourcegraph/jsonrpc2"
)

// gates are the blocking calls of batchMethods: gate(g) waits until gate g
// is opened, or the session ends. Every gate opens when the test ends.
type gates struct {
	mu      sync.Mutex
	chans   map[int64]chan struct{}
	opened  map[int64]bool
	all     bool         // every gate is open
	started chan int64   // gets g when gate(g) starts, for the first 4096
	starts  atomic.Int64 // gate calls started
	ran     atomic.Int64 // calls of any method started
}

func newGates(t *testing.T) *gates {
	g := &gates{chans: map[int64]chan struct{}{}, opened: map[int64]bool{}, started: make(chan int64, 4096)}
	t.Cleanup(g.releaseAll)
	return g
}

// gate returns the channel that opening gate n closes.
func (g *gates) gate(n int64) chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.chanLocked(n)
}

func (g *gates) chanLocked(n int64) chan struct{} {
	c, ok := g.chans[n]
	if !ok {
		c = make(chan struct{})
		g.chans[n] = c
		if g.all {
			g.opened[n] = true
			close(c)
		}
	}
	return c
}

// release opens gate n.
func (g *gates) release(n int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if c := g.chanLocked(n); !g.opened[n] {
		g.opened[n] = true
		close(c)
	}
}

// releaseAll opens every gate, now and to come.
func (g *gates) releaseAll() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.all = true
	for n, c := range g.chans {
		if !g.opened[n] {
			g.opened[n] = true
			close(c)
		}
	}
}

// batchMethods is a method table for batches: big(n) answers a string of n
// bytes, gate(g) blocks until gate g opens, and count counts its calls.
func batchMethods(g *gates) []Method {
	return []Method{
		{
			Name:   "big",
			Params: []Param{{Name: "n", Kind: Integer, Required: true}},
			Call: func(_ context.Context, args *Args, dst []byte) ([]byte, error) {
				g.ran.Add(1)
				dst = append(dst, '"')
				dst = append(dst, strings.Repeat("x", int(args.Int("n")))...)
				return append(dst, '"'), nil
			},
		},
		{
			Name:     "gate",
			Params:   []Param{{Name: "g", Kind: Integer, Required: true}},
			Blocking: true,
			Call: func(ctx context.Context, args *Args, dst []byte) ([]byte, error) {
				g.ran.Add(1)
				n := args.Int("g")
				g.starts.Add(1)
				select {
				case g.started <- n:
				default:
				}
				select {
				case <-g.gate(n):
					return fmt.Appendf(dst, `"opened %d"`, n), nil
				case <-ctx.Done():
					return append(dst, `"cancelled"`...), nil
				}
			},
		},
		{
			Name: "count",
			Call: func(_ context.Context, _ *Args, dst []byte) ([]byte, error) {
				return fmt.Appendf(dst, "%d", g.ran.Add(1)), nil
			},
		},
	}
}

// batchOf joins requests into a batch.
func batchOf(members ...string) string { return "[" + strings.Join(members, ",") + "]" }

// batchFull is the answer to id when a batch member is not run.
func batchFull(id int) string {
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"error":{"code":-32000,"message":"batch answers over the output limit","data":{"reason":"batch answers over the output limit"}}}`, id)
}

// bigResult is the answer of big(n) to id.
func bigResult(id, n int) string {
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"result":"%s"}`, id, strings.Repeat("x", n))
}

// TestBatchOverTheMemberLimitIsRefusedWhole: a batch with more members
// than MaxBatchMembers gets one error, id null, and none of it runs; one
// at the limit runs.
func TestBatchOverTheMemberLimitIsRefusedWhole(t *testing.T) {
	g := newGates(t)
	ps := startSession(t, NewServer(batchMethods(g), Options{MaxBatchMembers: 3}))
	ps.send(t, batchOf(call(1, "count", "[]"), call(2, "count", "[]"), call(3, "count", "[]"), `{"jsonrpc":"2.0","method":"count"}`))
	want := `{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"batch too large","data":{"reason":"more than 3 members"}}}`
	if got := ps.next(t); got != want {
		t.Fatalf("a batch of 4 with a limit of 3: got %s, want %s", got, want)
	}
	ps.send(t, batchOf(call(1, "count", "[]"), call(2, "count", "[]"), call(3, "count", "[]")))
	want = `[{"jsonrpc":"2.0","id":1,"result":1},{"jsonrpc":"2.0","id":2,"result":2},{"jsonrpc":"2.0","id":3,"result":3}]`
	if got := ps.next(t); got != want {
		t.Fatalf("a batch at the limit: got %s, want %s (nothing of the refused batch may run)", got, want)
	}
}

// TestBatchAnswersCountAgainstTheOutputBound: a batch member runs only
// while the answers held for unfinished batches are under
// MaxPendingOutput. The member that reaches the bound keeps its answer;
// every member after it is answered with BatchFull and does not run,
// notifications included.
func TestBatchAnswersCountAgainstTheOutputBound(t *testing.T) {
	g := newGates(t)
	ps := startSession(t, NewServer(batchMethods(g), Options{MaxPendingOutput: 1000}))
	ps.send(t, batchOf(
		call(1, "big", "[600]"),
		call(2, "big", "[600]"), // held 600 when its turn comes: it runs, and reaches the bound
		call(3, "count", "[]"),
		`{"jsonrpc":"2.0","method":"count"}`,
		call(4, "big", "[1]"),
		`{"jsonrpc":"2.0","id":5,"method":"nope"}`,
		`17`, // not a request: answered as ever
	))
	want := "[" + strings.Join([]string{bigResult(1, 600), bigResult(2, 600), batchFull(3), batchFull(4), batchFull(5),
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request","data":{"reason":"a request must be an object"}}}`}, ",") + "]"
	if got := ps.next(t); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if n := g.ran.Load(); n != 2 {
		t.Fatalf("%d calls ran, want 2: members after the bound must not run", n)
	}
	// The batch is answered: what it held no longer counts.
	ps.send(t, batchOf(call(6, "count", "[]")))
	if got, want := ps.next(t), `[{"jsonrpc":"2.0","id":6,"result":3}]`; got != want {
		t.Fatalf("after the batch was answered: got %s, want %s", got, want)
	}
}

// TestPendingBatchesBoundLaterBatches: the bound is the session's, not
// the batch's. While batches waiting for a blocking member hold answers up
// to MaxPendingOutput, later batches run nothing (their blocking members
// included) and are answered at once; single requests still run; once the
// held answers are written, batches run again. Of fifty batches, each a
// blocking call and a 300-byte answer, exactly the first four start their
// call: how many depends on sizes, never on timing.
func TestPendingBatchesBoundLaterBatches(t *testing.T) {
	g := newGates(t)
	ps := startSession(t, NewServer(batchMethods(g), Options{MaxPendingOutput: 1000}))
	var in strings.Builder
	for i := range 50 {
		in.WriteString(batchOf(call(2*i, "gate", fmt.Sprintf("[%d]", i)), call(2*i+1, "big", "[300]")) + "\n")
	}
	ps.send(t, strings.TrimSuffix(in.String(), "\n"))
	const admitted = 3 // a big answer is 337 bytes: three hold 1011
	for i := admitted; i < 50; i++ {
		want := batchOf(batchFull(2*i), batchFull(2*i+1))
		if got := ps.next(t); got != want {
			t.Fatalf("batch %d: got %s, want %s", i, got, want)
		}
	}
	if got, want := ps.call(t, call(100, "count", "[]")), fmt.Sprintf(`{"jsonrpc":"2.0","id":100,"result":%d}`, 2*admitted+1); got != want {
		t.Fatalf("a single request while batches hold the bound: got %s, want %s", got, want)
	}
	if n := g.starts.Load(); n != admitted {
		t.Fatalf("%d blocking members started, want %d", n, admitted)
	}
	for i := range admitted {
		g.release(int64(i))
	}
	seen := map[string]bool{}
	for range admitted {
		seen[ps.next(t)] = true
	}
	for i := range admitted {
		want := batchOf(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"result":"opened %d"}`, 2*i, i), bigResult(2*i+1, 300))
		if !seen[want] {
			t.Errorf("missing %s", want)
		}
	}
	if got, want := ps.call(t, batchOf(call(101, "big", "[3]"))), batchOf(bigResult(101, 3)); got != want {
		t.Fatalf("once the held answers are written: got %s, want %s", got, want)
	}
}

// call sends one request and returns the next response line.
func (ps *pipeSession) call(t *testing.T, req string) string {
	t.Helper()
	ps.send(t, req)
	return ps.next(t)
}

// TestBatchMemberHoldsItsSlotUntilTheBatchIsWritten: a blocking member
// that has answered keeps its slot until the whole batch's answer is
// written, so that batches waiting on one slow member cannot run more
// blocking calls than MaxBlocking.
func TestBatchMemberHoldsItsSlotUntilTheBatchIsWritten(t *testing.T) {
	g := newGates(t)
	busy := &jsonrpc2.Error{Code: -32000, Message: "busy"}
	ps := startSession(t, NewServer(batchMethods(g), Options{MaxBlocking: 2, Busy: busy}))
	ps.send(t, batchOf(call(1, "gate", "[1]"), call(2, "gate", "[2]")))
	<-g.started
	<-g.started
	g.release(99) // a third call that starts answers at once
	running := runtime.NumGoroutine()
	g.release(1) // member 1 answers; member 2 still runs
	waitUntil(t, "member 1's goroutine to end", func() bool { return runtime.NumGoroutine() < running })
	for try := range 3 {
		id := 10 + try
		ps.send(t, call(id, "gate", "[99]"))
		if got, want := ps.next(t), fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"error":{"code":-32000,"message":"busy"}}`, id); got != want {
			t.Fatalf("a third blocking call with the batch unwritten: got %s, want %s", got, want)
		}
	}
	if n := g.starts.Load(); n != 2 {
		t.Fatalf("%d blocking calls started, want the batch's 2", n)
	}
	g.release(2)
	if got, want := ps.next(t), batchOf(`{"jsonrpc":"2.0","id":1,"result":"opened 1"}`, `{"jsonrpc":"2.0","id":2,"result":"opened 2"}`); got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	// The batch is written: its slots come back (once the write has returned).
	g.release(3)
	deadline := time.Now().Add(5 * time.Second)
	for id := 200; ; id++ {
		ps.send(t, call(id, "gate", "[3]"))
		if got := ps.next(t); strings.Contains(got, `"opened 3"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the batch's slots were not given back after its answer was written")
		}
	}
}

// waitUntil polls cond every millisecond, failing the test after 5 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestBatchAnswersUseBoundedMemory: a batch of a thousand 64 KiB answers
// (64 MiB in all) allocates a few MiB: answers stop being held at
// MaxPendingOutput.
func TestBatchAnswersUseBoundedMemory(t *testing.T) {
	var members []string
	for i := range 1000 {
		members = append(members, call(i, "big", "[65536]"))
	}
	input := batchOf(members...) + "\n"
	var out countingWriter
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if err := NewServer(batchMethods(newGates(t)), Options{}).Serve(context.Background(), strings.NewReader(input), &out); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("a batch of a thousand 64 KiB answers allocated %d MiB", alloc>>20)
	}
	var got []struct {
		ID     int
		Result string
		Error  *struct{ Code int }
	}
	if err := json.Unmarshal([]byte(strings.TrimSuffix(out.buf.String(), "\n")), &got); err != nil || len(got) != 1000 {
		t.Fatalf("%d answers (%v), want 1000", len(got), err)
	}
	const ran = 16 // 16 × 64 KiB reach the bound of 1 MiB
	for i, r := range got {
		if r.ID != i || (i < ran) != (len(r.Result) == 65536) || (i >= ran) != (r.Error != nil && r.Error.Code == -32000) {
			t.Fatalf("answer %d: id %d, %d-byte result, error %v", i, r.ID, len(r.Result), r.Error)
		}
	}
}

// TestStalledOutputStopsTheReaderWithBatchesPending: with the client not
// reading and batches waiting on blocking members, the reader stops once
// the output is full, as it does for single requests: it does not go on
// reading (and holding answers for) the batches that follow.
func TestStalledOutputStopsTheReaderWithBatchesPending(t *testing.T) {
	g := newGates(t)
	inR, inW := io.Pipe()
	w := &stuckWriter{unstuck: make(chan struct{}), writing: make(chan struct{}, 1)}
	srv := NewServer(batchMethods(g), Options{MaxPendingOutput: 4096})
	done := make(chan error, 1)
	go func() { done <- srv.Serve(context.Background(), inR, w) }()
	const batches = 10000
	written := make(chan int, 1)
	go func() {
		n := 0
		defer func() { written <- n }()
		for ; n < batches; n++ {
			b := batchOf(call(2*n, "gate", fmt.Sprintf("[%d]", n)), call(2*n+1, "big", "[500]")) + "\n"
			if _, err := io.WriteString(inW, b); err != nil {
				return
			}
		}
		inW.Close()
	}()
	<-w.writing // output has stalled
	// The reader may run ahead by a buffer of input and a queue of output,
	// then stops: the writer of requests cannot finish.
	select {
	case n := <-written:
		t.Fatalf("all %d batches were read with the output stalled", n)
	case <-time.After(100 * time.Millisecond): // nothing to wait for: nothing may happen
	}
	if n := g.starts.Load(); n > 8 {
		t.Errorf("%d blocking members started with the output stalled, want at most 8 (4096 / 500)", n)
	}
	// Reading again, the client gets every answer.
	g.releaseAll()
	close(w.unstuck)
	if n := <-written; n != batches {
		t.Fatalf("wrote %d batches, want %d", n, batches)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(w.buf.String(), "\n"); got != batches {
		t.Fatalf("%d answers, want %d", got, batches)
	}
}
