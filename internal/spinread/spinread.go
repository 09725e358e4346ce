// Package spinread reads a file that a peer writes to in short exchanges,
// such as a pipe carrying one request at a time, and cuts the latency of
// each exchange by watching the file for a moment before sleeping on it.
//
// A reader that sleeps in read(2) on an empty pipe must be woken by the
// kernel when the peer writes; on a virtual machine whose other CPU has
// gone idle that wake-up costs tens of microseconds, many times the cost of
// the exchange itself. A Reader first polls the file without sleeping for
// up to a window, so a request that follows its answer within the window
// is read at once, and sleeps as before when none does.
//
// Watching pays only while the peer keeps up, so a Reader backs off when
// it does not: after a watch that saw nothing, it sleeps at once on the
// next wait; after two in a row, on the next three; and so on, doubling up
// to 63, until input is waiting or arrives while it watches. With fewer
// than two CPUs to run on it never watches, since the peer could not run
// meanwhile.
//
// Whatever the peer does, watching takes at most a quarter of the
// wall-clock time (plus one window): a Reader earns a quarter of the time
// that passes, up to one window, and each watch spends what it took. A
// peer that sends a request just before each window ends would otherwise
// keep the reader watching all the time.
package spinread

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"time"
)

// DefaultWindow is a window long enough to cover a client's turn-around
// between one answer and its next request, and short enough to cost
// nothing that matters when the peer falls quiet.
const DefaultWindow = 50 * time.Microsecond

// MaxWindow is the longest sensible window: beyond it, sleeping costs less
// than watching.
const MaxWindow = time.Millisecond

// Reader reads a file, watching it for up to a window before each read
// that would otherwise sleep. It is not safe for concurrent use; like the
// file itself it should have one reader.
type Reader struct {
	f       *os.File
	fd      int
	window  time.Duration
	misses  int  // watches in a row that saw nothing, up to maxMisses
	skip    int  // waits left to sleep through at once, without watching
	waiting bool // Ready has just seen input waiting
	budget  budget
	now     func() time.Time // the clock watching is measured by
}

// maxDuty is the largest share of wall-clock time spent watching: one
// part in maxDuty.
const maxDuty = 4

// budget meters watching. It earns a maxDuty'th of the wall-clock time
// that passes, up to max, and each watch spends the time it took; so over
// any stretch of time T watching takes at most T/maxDuty + max.
type budget struct {
	left time.Duration
	last time.Time
	max  time.Duration
}

// earn credits the time since the last call and returns what may be spent.
func (b *budget) earn(now time.Time) time.Duration {
	if b.last.IsZero() {
		b.left = b.max
	} else {
		b.left = min(b.max, b.left+now.Sub(b.last)/maxDuty)
	}
	b.last = now
	return b.left
}

// spend debits d, the time a watch took.
func (b *budget) spend(d time.Duration) { b.left -= d }

// maxMisses caps the back-off at 2^maxMisses - 1 = 63 waits slept through.
const maxMisses = 6

// New returns a reader of f that watches f for up to window before a read
// would sleep. It changes nothing about f: f stays in blocking or
// non-blocking mode as it was. With a window of zero or less, or with
// fewer than two CPUs to run on (GOMAXPROCS, which follows the affinity
// mask and a cgroup's CPU limit), the reader never watches, but still
// tells whether input is waiting (Ready). On a system without poll(2), New
// returns f itself.
func New(f *os.File, window time.Duration) (io.Reader, error) {
	if !supported {
		return f, nil
	}
	if runtime.GOMAXPROCS(0) < 2 {
		window = 0
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("spinread: %s: %w", f.Name(), err)
	}
	fd := -1
	if err := rc.Control(func(d uintptr) { fd = int(d) }); err != nil {
		return nil, fmt.Errorf("spinread: %s: %w", f.Name(), err)
	}
	return &Reader{f: f, fd: fd, window: max(window, 0), budget: budget{max: max(window, 0)}, now: time.Now}, nil
}

// Ready reports, without blocking, whether a Read would return at once:
// the file has input, has hung up or has failed. A Read that follows a
// true answer does not look again.
func (r *Reader) Ready() bool {
	r.waiting = ready(r.fd)
	return r.waiting
}

// Read reads from the file into p, first waiting up to the window for
// input without sleeping. It returns what the file's Read returns,
// including io.EOF once the writer has closed.
func (r *Reader) Read(p []byte) (int, error) {
	r.watch()
	return r.f.Read(p)
}

// watch returns once the file has input or has hung up, or the window has
// passed, whichever is first; or at once while backing off or when the
// budget is spent.
func (r *Reader) watch() {
	waiting := r.waiting
	r.waiting = false
	if waiting || ready(r.fd) {
		r.misses, r.skip = 0, 0 // the peer keeps up
		return
	}
	if r.window <= 0 {
		return
	}
	if r.skip > 0 {
		r.skip--
		return
	}
	start := r.now()
	allowed := min(r.window, r.budget.earn(start))
	if allowed <= 0 {
		return // a quarter of the time went on watching already
	}
	for !ready(r.fd) {
		if took := r.now().Sub(start); took >= allowed {
			// The watch saw nothing, whether the window or the budget
			// ended it: back off.
			r.budget.spend(took)
			r.misses = min(r.misses+1, maxMisses)
			r.skip = 1<<r.misses - 1
			return
		}
	}
	r.budget.spend(r.now().Sub(start))
	r.misses = 0
}
