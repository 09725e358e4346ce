package sigctl

import (
	"context"
	"errors"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// ownThreads lists the ids of this test process's threads other than its
// leader.
func ownThreads(t *testing.T) []int {
	t.Helper()
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	var tids []int
	for _, task := range tasks {
		if tid, _ := strconv.Atoi(task.Name()); tid != os.Getpid() {
			tids = append(tids, tid)
		}
	}
	if len(tids) == 0 {
		t.Fatal("this process has no thread but its leader")
	}
	return tids
}

// TestThreadIDsAreRefusedWithAndWithoutPidfds: a thread id of the helper
// itself (here, of the test process, which the policy protects as Self)
// is refused as self for every signal but NONE, and refused as "thread
// id, not a process" for NONE, whether or not pidfds are used. Were a
// thread id accepted, kill(2) would deliver URG to this process: harmless
// to a Go program, and the test would see no error.
func TestThreadIDsAreRefusedWithAndWithoutPidfds(t *testing.T) {
	for name, k := range map[string]*Controller{
		"pidfd":    NewController(Policy{Self: os.Getpid()}),
		"fallback": {Policy: Policy{Self: os.Getpid()}, sys: osSystem{noPidfd: true}},
	} {
		t.Run(name, func(t *testing.T) {
			for _, tid := range ownThreads(t) {
				if _, err := os.Stat("/proc/self/task/" + strconv.Itoa(tid)); err != nil {
					continue // the runtime let this thread go since the listing
				}
				var pe *PolicyError
				if err := k.Kill(Target{PID: tid}, Signum(syscall.SIGURG)); !errors.As(err, &pe) || pe.Reason != ReasonSelf {
					t.Fatalf("Kill(own thread %d, URG) = %v, want a self refusal", tid, err)
				}
				var osErr *OSError
				if err := k.Kill(Target{PID: tid}, 0); !errors.As(err, &osErr) || osErr.Errno != syscall.ESRCH || osErr.Reason != ReasonThread {
					t.Fatalf("Kill(own thread %d, NONE) = %v, want ESRCH %q", tid, err, ReasonThread)
				}
				if _, err := k.Inspect(tid); !errors.As(err, &osErr) || osErr.Reason != ReasonThread {
					t.Fatalf("Inspect(own thread %d) = %v, want ESRCH %q", tid, err, ReasonThread)
				}
				if _, err := k.Wait(context.Background(), tid, 0); !errors.As(err, &osErr) || osErr.Reason != ReasonThread {
					t.Fatalf("Wait(own thread %d) = %v, want ESRCH %q", tid, err, ReasonThread)
				}
			}
		})
	}
}

// TestEscalationToAProcessAlreadyGoneIsNotEscalated: a process that ends
// after terminate's wait gave up and before its escalation is not
// reported as escalated, only as exited; a steered wait (see
// steeredWait) misses the exit, as a polling wait could.
func TestEscalationToAProcessAlreadyGoneIsNotEscalated(t *testing.T) {
	for name, k := range map[string]*Controller{
		"pidfd":    NewController(Policy{}),
		"fallback": {sys: osSystem{noPidfd: true}},
	} {
		t.Run(name, func(t *testing.T) {
			cmd := startSleep(t)
			steerWait(k, func(ctx context.Context, p *Process, d time.Duration) bool {
				if p.Exited() {
					return true
				}
				// The first wait: the process ends and is reaped while
				// terminate is not looking.
				cmd.Process.Kill()
				cmd.Wait()
				return false
			})
			opts := TerminateOptions{Signal: Signum(syscall.SIGCONT), Timeout: time.Second, Escalate: true, EscalateSignal: Signum(syscall.SIGKILL), EscalateTimeout: time.Second}
			res, err := k.Terminate(context.Background(), Target{PID: cmd.Process.Pid}, opts)
			if err != nil || res.Escalated || !res.Exited {
				t.Fatalf("Terminate = %+v, %v; want exited, not escalated", res, err)
			}
		})
	}
}

// steeredWait is a system whose waits for a process to terminate go to a
// function the test gives; the rest goes to the system it wraps.
type steeredWait struct {
	system
	waitFunc func(ctx context.Context, p *Process, d time.Duration) bool
}

func (s steeredWait) wait(ctx context.Context, p *Process, d time.Duration) bool {
	return s.waitFunc(ctx, p, d)
}

// steerWait makes every wait of k's for a process to terminate (those of
// Terminate, and Wait's) call f instead.
func steerWait(k *Controller, f func(ctx context.Context, p *Process, d time.Duration) bool) {
	k.sys = steeredWait{system: k.system(), waitFunc: f}
}
