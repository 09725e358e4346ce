package outwatch

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestWatchCallsGoneWhenTheReaderCloses: the watch fires once the last
// reader of a pipe closes it, and not before.
func TestWatchCallsGoneWhenTheReaderCloses(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	gone := make(chan struct{})
	release, err := Watch(w, func() { close(gone) })
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	select {
	case <-gone:
		t.Fatal("gone with the reader still open")
	default:
	}
	r.Close()
	select {
	case <-gone:
	case <-time.After(10 * time.Second):
		t.Fatal("gone not called within 10 s of the reader closing")
	}
}

// TestReleaseEndsTheWatch: release returns with the reader still there,
// and gone is never called afterwards, even once the reader closes.
func TestReleaseEndsTheWatch(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	called := make(chan struct{}, 1)
	release, err := Watch(w, func() { called <- struct{}{} })
	if err != nil {
		t.Fatal(err)
	}
	release()
	r.Close()
	select {
	case <-called:
		t.Fatal("gone called after release")
	default:
	}
}

// TestPollGone checks the verdict for each kind of far end, with the wake
// descriptor already readable so that poll returns at once: a far end
// that is gone must win over the wake-up. Gone, which looks once without
// a wake descriptor, must agree.
func TestPollGone(t *testing.T) {
	for _, tc := range []struct {
		name string
		far  func(t *testing.T, near, far int) // what the far end does
		gone bool
	}{
		{"pipe reader open", nil, false},
		{"pipe reader closed", closeFar, true},
		{"socket peer open", nil, false},
		{"socket peer shut down its writing half", shutWrite, false},
		{"socket peer closed", closeFar, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			near, far := pair(t, strings.HasPrefix(tc.name, "socket"))
			if tc.far != nil {
				tc.far(t, near, far)
			}
			wakeR, wakeW, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer wakeR.Close()
			wakeW.Close()
			if got := pollGone(near, int(wakeR.Fd())); got != tc.gone {
				t.Fatalf("pollGone = %v, want %v", got, tc.gone)
			}
			dup, err := unix.Dup(near)
			if err != nil {
				t.Fatal(err)
			}
			f := os.NewFile(uintptr(dup), "near")
			defer f.Close()
			if got := Gone(f); got != tc.gone {
				t.Fatalf("Gone = %v, want %v", got, tc.gone)
			}
		})
	}
}

// pair returns the writing and reading ends of a pipe, or the two ends of
// a stream socket pair; they close when t ends (closing twice is harmless).
func pair(t *testing.T, socket bool) (near, far int) {
	t.Helper()
	var fds [2]int
	var err error
	if socket {
		fds, err = unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	} else {
		err = unix.Pipe2(fds[:], unix.O_CLOEXEC)
		fds[0], fds[1] = fds[1], fds[0] // near writes, far reads
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fds[0]); unix.Close(fds[1]) })
	return fds[0], fds[1]
}

func closeFar(t *testing.T, near, far int) {
	if err := unix.Close(far); err != nil {
		t.Fatal(err)
	}
}

func shutWrite(t *testing.T, near, far int) {
	if err := unix.Shutdown(far, unix.SHUT_WR); err != nil {
		t.Fatal(err)
	}
}

// TestOtherFilesAreNotWatched: a regular file or /dev/null has no reader
// to lose; nothing is watched, no descriptor is taken, and none is Gone.
func TestOtherFilesAreNotWatched(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	for _, out := range []*os.File{f, null} {
		if fd, err := dupIfStream(out); fd != -1 || err != nil {
			t.Errorf("%s: dupIfStream = %d, %v; want -1, nil", out.Name(), fd, err)
		}
		if Gone(out) {
			t.Errorf("%s: Gone", out.Name())
		}
	}
}
