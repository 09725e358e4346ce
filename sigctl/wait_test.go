package sigctl

import (
	"context"
	"errors"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// waiters are WaitGone and its portable fallback, tested directly so the
// fallback runs on Linux too.
var waiters = map[string]func(context.Context, int) error{
	"WaitGone": WaitGone,
	"polling":  func(ctx context.Context, pid int) error { return waitGonePolling(ctx, pid, time.Time{}) },
}

func TestWaitReturnsOnceAKilledChildIsGone(t *testing.T) {
	for name, wait := range waiters {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cmd := startSleep(t)
			done := make(chan error, 1)
			go func() { done <- wait(context.Background(), cmd.Process.Pid) }()
			// Our own child: it stays a zombie until the test reaps it,
			// and a zombie counts as gone.
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("after the child died: %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("did not notice the child's death within 5s")
			}
		})
	}
}

func TestWaitOnALiveChildEndsWithTheContext(t *testing.T) {
	for name, wait := range waiters {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cmd := startSleep(t)
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			start := time.Now()
			if err := wait(ctx, cmd.Process.Pid); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("wait = %v, want DeadlineExceeded", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("cancellation took %v", d)
			}
			canceled, cancel := context.WithCancel(context.Background())
			cancel()
			if err := wait(canceled, cmd.Process.Pid); !errors.Is(err, context.Canceled) {
				t.Fatalf("wait with a cancelled context = %v, want Canceled", err)
			}
		})
	}
}

func TestWaitOnAnAbsentPIDReturnsAtOnce(t *testing.T) {
	for name, wait := range waiters {
		for _, pid := range []int{absentPID, otherAbsentPID} {
			if err := wait(context.Background(), pid); err != nil {
				t.Errorf("%s(%d) = %v", name, pid, err)
			}
		}
	}
}

// TestWaitGoneRefusesNonPositivePIDs: kill(2) would read them as process
// groups. WaitGone refuses them before any system call.
func TestWaitGoneRefusesNonPositivePIDs(t *testing.T) {
	for _, pid := range []int{0, -1, -5} {
		err := WaitGone(context.Background(), pid)
		var osErr *OSError
		if !errors.As(err, &osErr) || osErr.Errno != unix.EINVAL {
			t.Errorf("WaitGone(%d) = %v, want EINVAL", pid, err)
		}
	}
}
