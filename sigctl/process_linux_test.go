package sigctl

import (
	"context"
	"errors"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestParseStatHandlesAwkwardCommandNames(t *testing.T) {
	line := "4242 (a) b (c)) S 1 4242 4242 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 987654 1000 10 18446744073709551615\n"
	info, err := parseStat([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	want := Info{PID: 4242, PPID: 1, PGID: 4242, SID: 4242, State: "S", Comm: "a) b (c)", StartTime: "987654"}
	if info != want {
		t.Fatalf("parseStat = %+v, want %+v", info, want)
	}
	if _, err := parseStat([]byte("4242 no parens")); err == nil {
		t.Fatal("parseStat accepted a line without a command name")
	}
}

// TestInspectKillWaitAndTerminateAChild runs the same checks with pidfds
// and with the fallback that holds bare pids (kernels before 5.3).
func TestInspectKillWaitAndTerminateAChild(t *testing.T) {
	for name, k := range map[string]*Controller{
		"pidfd":    NewController(Policy{}),
		"fallback": {sys: osSystem{noPidfd: true}},
	} {
		t.Run(name, func(t *testing.T) {
			cmd := startSleep(t)
			target := Target{PID: cmd.Process.Pid}
			info, err := k.Inspect(target.PID)
			if err != nil || info.PID != cmd.Process.Pid || info.Comm != "sleep" || info.StartTime == "" {
				t.Fatalf("Inspect = %+v, %v", info, err)
			}
			wrong := Target{PID: target.PID, StartTime: info.StartTime + "1"}
			var osErr *OSError
			if err := k.Kill(wrong, Signum(syscall.SIGKILL)); !errors.As(err, &osErr) || osErr.Reason != "start_time mismatch" {
				t.Fatalf("Kill with a wrong start time = %v", err)
			}
			if exited, err := k.Wait(context.Background(), target.PID, 0); exited || err != nil {
				t.Fatalf("Wait(0) on a live child = %v, %v", exited, err)
			}
			target.StartTime = info.StartTime
			opts := TerminateOptions{Timeout: 20 * time.Millisecond, Escalate: true, EscalateSignal: Signum(syscall.SIGKILL), EscalateTimeout: 5 * time.Second}
			res, err := k.Terminate(context.Background(), target, opts)
			if err != nil || !res.Exited || !res.Escalated {
				t.Fatalf("Terminate = %+v, %v", res, err)
			}
			if exited, err := k.Wait(context.Background(), target.PID, time.Second); !exited || err != nil {
				t.Fatalf("Wait on a dead child = %v, %v", exited, err)
			}
			cmd.Wait()
			if ws := cmd.ProcessState.Sys().(syscall.WaitStatus); ws.Signal() != syscall.SIGKILL {
				t.Fatalf("child ended with %v, want SIGKILL", cmd.ProcessState)
			}
		})
	}
}

func TestSignalThroughPidfdMissesAReplacedProcess(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p, err := Open(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	cmd.Wait() // reaped: the pid is free for reuse, the pidfd still names the old process
	if err := p.Signal(None); !errors.Is(err, unix.ESRCH) {
		t.Fatalf("Signal after reaping = %v, want ESRCH", err)
	}
}

func TestOpenRefusesNonPositivePIDs(t *testing.T) {
	for _, pid := range []int{0, -1, -5} {
		for name, usePidfd := range map[string]bool{"pidfd": true, "fallback": false} {
			if _, err := openProcess(pid, usePidfd); !errors.Is(err, unix.EINVAL) {
				t.Errorf("%s: openProcess(%d) = %v, want EINVAL", name, pid, err)
			}
		}
	}
}

// startZombie starts a child that exits at once and returns once it is a
// zombie (exited, not reaped); it is reaped when the test ends.
func startZombie(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Wait() })
	var info unix.Siginfo
	if err := unix.Waitid(unix.P_PID, cmd.Process.Pid, &info, unix.WEXITED|unix.WNOWAIT, nil); err != nil {
		t.Fatalf("waitid: %v", err)
	}
	return cmd
}

// TestKillAZombieSucceeds: a child that has exited but is not reaped
// still accepts signals; only once reaped is it ESRCH.
func TestKillAZombieSucceeds(t *testing.T) {
	cmd := startZombie(t)
	if err := NewController(Policy{}).Kill(Target{PID: cmd.Process.Pid}, Signum(unix.SIGTERM)); err != nil {
		t.Fatalf("Kill(zombie, TERM) = %v, want success", err)
	}
}

func TestWaitOnAZombieReturnsAtOnce(t *testing.T) {
	cmd := startZombie(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for name, wait := range waiters {
		if err := wait(ctx, cmd.Process.Pid); err != nil {
			t.Errorf("%s(zombie) = %v", name, err)
		}
	}
}
