package signal

import (
	"context"
	"errors"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// These tests signal only children they start, or absentPID, which no
// process can have (Linux pids stop at 2^22).
const absentPID = 2147483647

// startSleep starts a child that sleeps until killed; it is reaped when
// the test ends.
func startSleep(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sleep", "120")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd
}

func TestKillAbsentPIDIsESRCH(t *testing.T) {
	err := NewKiller(Policy{}).Kill(Target{PID: absentPID}, 0)
	var osErr *OSError
	if !errors.As(err, &osErr) || osErr.Name() != "ESRCH" || osErr.Text() != "No such process" {
		t.Fatalf("Kill(absent, 0) = %v, want ESRCH", err)
	}
}

func TestKillSignalsAChild(t *testing.T) {
	cmd := startSleep(t)
	k := NewKiller(Policy{})
	target := Target{PID: int64(cmd.Process.Pid)}
	if err := k.Kill(target, 0); err != nil {
		t.Fatalf("Kill(child, NONE) = %v", err)
	}
	if err := k.Kill(target, int64(syscall.SIGTERM)); err != nil {
		t.Fatalf("Kill(child, TERM) = %v", err)
	}
	cmd.Wait()
	if ws := cmd.ProcessState.Sys().(syscall.WaitStatus); ws.Signal() != syscall.SIGTERM {
		t.Fatalf("child ended with %v, want SIGTERM", cmd.ProcessState)
	}
}

func TestWaitGone(t *testing.T) {
	for name, wait := range map[string]func(context.Context, int) error{
		"default": WaitGone,
		"polling": waitGonePolling,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cmd := startSleep(t)
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			if err := wait(ctx, cmd.Process.Pid); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("on a live child: %v, want DeadlineExceeded", err)
			}
			done := make(chan error, 1)
			go func() { done <- wait(context.Background(), cmd.Process.Pid) }()
			unix.Kill(cmd.Process.Pid, unix.SIGKILL) // a zombie until reaped: counts as gone
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("after the child died: %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("did not notice the child's death within 5s")
			}
			if err := wait(context.Background(), absentPID); err != nil {
				t.Fatalf("on an absent pid: %v", err)
			}
		})
	}
}
