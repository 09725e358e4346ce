package spinread

import (
	"bytes"
	"io"
	"os"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sigrpc/sigrpc/internal/testio"
)

// fakeClock is a Reader's clock that moves on by step at every reading,
// and counts its readings: a watch reads it, a reader that does not watch
// never does. Tests that use it do not depend on the machine's speed.
type fakeClock struct {
	t     time.Time
	step  time.Duration
	reads int
}

func (c *fakeClock) now() time.Time {
	c.reads++
	c.t = c.t.Add(c.step)
	return c.t
}

// withClock sets the clock of r, a *Reader, to a fake one moving on by
// step, and returns them.
func withClock(t *testing.T, r io.Reader, step time.Duration) (*Reader, *fakeClock) {
	t.Helper()
	sr, ok := r.(*Reader)
	if !ok {
		t.Fatalf("New returned %T, want a *Reader", r)
	}
	c := &fakeClock{t: time.Unix(1000, 0), step: step}
	sr.now = c.now
	return sr, c
}

// Without a window the reader never watches, and still tells whether
// input is waiting.
func TestWithoutAWindowItNeverWatchesButTellsWhatIsWaiting(t *testing.T) {
	r, w := testio.Pipe(t)
	for _, window := range []time.Duration{0, -time.Second} {
		got, err := New(r, window)
		if err != nil {
			t.Fatal(err)
		}
		sr, clock := withClock(t, got, time.Microsecond)
		if sr.window != 0 {
			t.Fatalf("New(f, %v) has a window of %v, want none", window, sr.window)
		}
		sr.watch() // nothing waiting: returns at once
		if clock.reads != 0 {
			t.Errorf("a reader without a window watched (%d clock readings)", clock.reads)
		}
		if sr.Ready() {
			t.Fatal("Ready with nothing written")
		}
		w.Write([]byte("x"))
		if !sr.Ready() {
			t.Fatal("not Ready with a byte written")
		}
		buf := make([]byte, 8)
		if n, err := sr.Read(buf); n != 1 || err != nil {
			t.Fatalf("Read = %d, %v", n, err)
		}
	}
}

func TestReadsWhatIsWaiting(t *testing.T) {
	r, w := testio.Pipe(t)
	sr, err := New(r, DefaultWindow)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("hello\n"))
	buf := make([]byte, 64)
	n, err := sr.Read(buf)
	if err != nil || string(buf[:n]) != "hello\n" {
		t.Fatalf("Read = %q, %v; want %q, nil", buf[:n], err, "hello\n")
	}
}

// A read that outlasts the window sleeps, and still returns what the
// writer sends later, message after message.
func TestReadsPastTheWindow(t *testing.T) {
	r, w := testio.Pipe(t)
	sr, err := New(r, time.Microsecond)
	if err != nil {
		t.Fatal(err)
	}
	want := bytes.Repeat([]byte("request\n"), 100)
	go func() {
		for i := 0; i < len(want); i += 8 {
			w.Write(want[i : i+8])
		}
		w.Close()
	}()
	got, err := io.ReadAll(sr)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("ReadAll = %d bytes, %v; want %d bytes, nil", len(got), err, len(want))
	}
}

func TestEndOfInput(t *testing.T) {
	r, w := testio.Pipe(t)
	got, err := New(r, MaxWindow)
	if err != nil {
		t.Fatal(err)
	}
	sr, clock := withClock(t, got, time.Microsecond)
	w.Close()
	if n, err := sr.Read(make([]byte, 8)); n != 0 || err != io.EOF {
		t.Fatalf("Read after the writer closed = %d, %v; want 0, EOF", n, err)
	}
	// A hang-up is ready at once: no watching out the window, and no sleep.
	if clock.reads != 0 {
		t.Errorf("Read watched a file whose writer had closed (%d clock readings)", clock.reads)
	}
}

// New must not switch a file between blocking and non-blocking mode: the
// description may be shared with the process that started sigrpc.
func TestLeavesTheFileModeAlone(t *testing.T) {
	for _, nonblocking := range []bool{false, true} {
		r, w := testio.Pipe(t)
		fd := int(r.Fd()) // blocking mode now
		if err := unix.SetNonblock(fd, nonblocking); err != nil {
			t.Fatal(err)
		}
		sr, err := New(r, DefaultWindow)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("x"))
		if _, err := sr.Read(make([]byte, 1)); err != nil {
			t.Fatal(err)
		}
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
		if got := flags&unix.O_NONBLOCK != 0; err != nil || got != nonblocking {
			t.Errorf("non-blocking = %v, %v after New and Read; want %v", got, err, nonblocking)
		}
	}
}

func BenchmarkReadWaiting(b *testing.B) {
	r, w, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	for _, c := range []struct {
		name   string
		window time.Duration
	}{{"file", 0}, {"watched", DefaultWindow}} {
		b.Run(c.name, func(b *testing.B) {
			sr, _ := New(r, c.window)
			msg, buf := []byte("request\n"), make([]byte, 64)
			for b.Loop() {
				w.Write(msg)
				sr.Read(buf)
			}
		})
	}
}

// A watch that sees nothing makes the reader sleep through the next waits
// without watching, twice as many after each further miss, up to 63; input
// that is waiting ends the back-off. The clock is the test's: each reading
// moves it on by a window, so every watch sees the window pass at its
// first look, however fast or slow the machine.
func TestBacksOffWhileThePeerIsSlow(t *testing.T) {
	r, w := testio.Pipe(t)
	const window = time.Microsecond
	sr, clock := withClock(t, &Reader{f: r, fd: int(r.Fd()), window: window}, window)
	var skipped []int
	for range 9 {
		sr.budget = budget{max: window} // a full budget: this test is about back-off
		reads := clock.reads
		sr.watch() // sees nothing: the window passes
		if clock.reads == reads {
			t.Fatalf("after %v misses, a wait was not watched", skipped)
		}
		skipped = append(skipped, sr.skip)
		reads = clock.reads
		for sr.skip > 0 {
			sr.watch() // returns at once, without watching
		}
		if clock.reads != reads {
			t.Fatalf("the waits slept through after %v misses were watched (%d clock readings)", skipped, clock.reads-reads)
		}
	}
	want := []int{1, 3, 7, 15, 31, 63, 63, 63, 63}
	if !slices.Equal(skipped, want) {
		t.Fatalf("waits slept through after each miss = %v, want %v", skipped, want)
	}
	w.Write([]byte("x"))
	sr.watch()
	if sr.misses != 0 || sr.skip != 0 {
		t.Fatalf("misses, skip = %d, %d with input waiting; want 0, 0", sr.misses, sr.skip)
	}
}

// The budget lets watching take at most a quarter of the time plus one
// window: a peer whose requests come just before each window would end
// (here every 100 µs, against a window of 1 ms) keeps a reader watching
// only a quarter of the time.
func TestBudgetBoundsTheTimeSpentWatching(t *testing.T) {
	const window = time.Millisecond
	b := budget{max: window}
	now := time.Unix(1000, 0)
	var watched, elapsed time.Duration
	for range 100000 { // 10 s of requests every 100 µs
		allowed := min(window, b.earn(now))
		took := min(max(allowed, 0), 100*time.Microsecond) // watch until the request comes
		b.spend(took)
		watched += took
		now = now.Add(100 * time.Microsecond)
		elapsed += 100 * time.Microsecond
	}
	if limit := elapsed/maxDuty + window; watched > limit {
		t.Fatalf("watched %v of %v, want at most %v", watched, elapsed, limit)
	}
	if watched < elapsed/maxDuty-window {
		t.Fatalf("watched only %v of %v: the budget should allow a quarter", watched, elapsed)
	}
}

// An idle peer costs nothing: the budget a long quiet spell earns is
// capped at one window.
func TestBudgetIsCappedAtOneWindow(t *testing.T) {
	b := budget{max: time.Millisecond}
	now := time.Unix(1000, 0)
	b.earn(now)
	b.spend(time.Millisecond)
	if got := b.earn(now.Add(time.Hour)); got != time.Millisecond {
		t.Fatalf("after an hour idle the budget is %v, want one window", got)
	}
}
