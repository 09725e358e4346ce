package sigctl

import (
	"errors"
	"slices"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestStoppedSetContinuesWhatItStopped: cont continues one process the set
// holds, once; close continues the rest, the last stopped first, and
// from then on the set stops nothing and cont sends nothing.
func TestStoppedSetContinuesWhatItStopped(t *testing.T) {
	rec := &recorder{}
	var s stoppedSet
	procs := make([]*Process, 4)
	for i := range procs {
		procs[i] = &Process{pid: 100 + i, fd: -1, sys: rec}
		if err := s.stop(procs[i]); err != nil {
			t.Fatal(err)
		}
	}
	s.cont(procs[1])
	s.cont(procs[1])
	s.close()
	s.close()
	if err := s.stop(procs[1]); !errors.Is(err, ErrClosed) {
		t.Errorf("stop after close = %v, want ErrClosed", err)
	}
	s.cont(procs[0])
	stop, cont := syscall.Signal(unix.SIGSTOP), syscall.Signal(unix.SIGCONT)
	want := []sent{{100, stop}, {101, stop}, {102, stop}, {103, stop}, {101, cont}, {103, cont}, {102, cont}, {100, cont}}
	if !slices.Equal(rec.sent, want) {
		t.Errorf("sent %v, want %v", rec.sent, want)
	}
	if n := s.len(); n != 0 {
		t.Errorf("the set holds %d after close", n)
	}
	var osErr *OSError
	if !errors.As(ErrClosed, &osErr) || osErr.Errno != unix.ECANCELED {
		t.Errorf("ErrClosed = %#v, want an *OSError with ECANCELED", ErrClosed)
	}
}

// TestStoppedSetKeepsOnlyWhatWasStopped: a STOP that fails is not held,
// and nothing is sent to it at close.
func TestStoppedSetKeepsOnlyWhatWasStopped(t *testing.T) {
	rec := &recorder{err: unix.ESRCH}
	var s stoppedSet
	if err := s.stop(&Process{pid: 100, fd: -1, sys: rec}); !errors.Is(err, unix.ESRCH) {
		t.Fatalf("stop = %v, want ESRCH", err)
	}
	s.close()
	if len(rec.sent) != 1 {
		t.Errorf("sent %v, want the STOP alone", rec.sent)
	}
}
