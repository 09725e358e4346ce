package sigctl

import (
	"context"
	"errors"
	"os/exec"
	"slices"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// These tests signal only children they start themselves, or pids that no
// process can have: Linux pids stop at 2^22 (pid_max's ceiling).
const (
	absentPID      = 2147483647
	otherAbsentPID = 99999999
)

// sent is one signal a recorder saw.
type sent struct {
	pid int
	sig syscall.Signal
}

// recorder is a system that records every signal and sends none: it
// opens no process, and its handles hold bare pids whose signals it
// records. It waits, and reads children, as the real system does.
type recorder struct {
	osSystem
	sent []sent
	err  error // returned for every send
}

func (r *recorder) open(pid int) (*Process, error) {
	return &Process{pid: pid, fd: -1, sys: r}, nil
}

func (r *recorder) signal(p *Process, sig Signum) error {
	return r.signalGroup(p.pid, sig)
}

func (r *recorder) signalGroup(pid int, sig Signum) error {
	r.sent = append(r.sent, sent{pid, syscall.Signal(sig)})
	return r.err
}

// fakeKiller returns a Controller whose every delivery goes to a recorder.
func fakeKiller(p Policy) (*Controller, *recorder) {
	rec := &recorder{}
	return &Controller{Policy: p, sys: rec}, rec
}

func errorText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestKillChecksInOrderAndSendsNothingWhenRefused proves that every
// refusal comes before any delivery, and the order of the checks: pid
// range, signal range, policy.
func TestKillChecksInOrderAndSendsNothingWhenRefused(t *testing.T) {
	const self = 4242
	for _, tc := range []struct {
		name   string
		policy Policy
		pid    int
		sig    Signum
		want   string
	}{
		{"pid range comes first", Policy{Self: self}, 1 << 31, 999, "pid 2147483648 is out of range (it must fit in 32 bits)"},
		{"a negative pid beyond int32", Policy{Self: self, AllowGroups: true}, -1<<31 - 1, 0, "pid -2147483649 is out of range (it must fit in 32 bits)"},
		{"signal range before policy", Policy{Self: self}, -1, 999, "Invalid argument"},
		{"negative signal", Policy{Self: self}, otherAbsentPID, -1, "Invalid argument"},
		{"signal above MaxSignum", Policy{Self: self}, otherAbsentPID, MaxSignum + 1, "Invalid argument"},
		{"signal beyond 32 bits is not truncated", Policy{Self: self}, otherAbsentPID, 1<<32 + 15, "Invalid argument"},
		{"broadcast", Policy{Self: self, AllowGroups: true}, -1, 0, "refused by policy: broadcast"},
		{"own group", Policy{Self: self}, 0, 15, "refused by policy: self"},
		{"own group, NONE", Policy{Self: self}, 0, 0, "refused by policy: process-group"},
		{"another group", Policy{Self: self}, -5, 9, "refused by policy: process-group"},
		{"self", Policy{Self: self}, self, 15, "refused by policy: self"},
		{"start_time for a group", Policy{AllowGroups: true}, -5, 15, "Invalid argument (start_time needs a single process)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, rec := fakeKiller(tc.policy)
			target := Target{PID: tc.pid}
			if tc.name == "start_time for a group" {
				target.StartTime = "12345"
			}
			err := k.Kill(target, tc.sig)
			if got := errorText(err); got != tc.want || len(rec.sent) != 0 {
				t.Errorf("Kill(%d, %d) = %q, sent %v; want %q and nothing sent", tc.pid, tc.sig, got, rec.sent, tc.want)
			}
		})
	}
}

func TestKillErrorsHaveTheirTypes(t *testing.T) {
	k, _ := fakeKiller(Policy{Self: 4242})
	var pidErr *PIDError
	if err := k.Kill(Target{PID: 1 << 40}, 15); !errors.As(err, &pidErr) {
		t.Errorf("pid beyond int32: %v, want a *PIDError", err)
	}
	var osErr *OSError
	if err := k.Kill(Target{PID: -1}, 999); !errors.As(err, &osErr) || osErr.Name() != "EINVAL" {
		t.Errorf("signal out of range: %v, want *OSError EINVAL", err)
	}
	var pe *PolicyError
	if err := k.Kill(Target{PID: 4242}, 15); !errors.As(err, &pe) || pe.Reason != ReasonSelf {
		t.Errorf("self: %v, want *PolicyError self", err)
	}
}

func TestKillDeliversWhatThePolicyAllows(t *testing.T) {
	for _, tc := range []struct {
		name   string
		policy Policy
		pid    int
		sig    Signum
	}{
		{"a process", Policy{Self: 4242}, otherAbsentPID, 15},
		{"NONE to self", Policy{Self: 4242}, 4242, 0},
		{"own group, NONE, with groups allowed", Policy{AllowGroups: true}, 0, 0},
		{"another group with groups allowed", Policy{AllowGroups: true}, -5, 9},
		{"the lowest pid with groups allowed", Policy{AllowGroups: true}, -1 << 31, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, rec := fakeKiller(tc.policy)
			if err := k.Kill(Target{PID: tc.pid}, tc.sig); err != nil {
				t.Fatalf("Kill(%d, %d) = %v", tc.pid, tc.sig, err)
			}
			want := []sent{{tc.pid, syscall.Signal(tc.sig)}}
			if !slices.Equal(rec.sent, want) {
				t.Errorf("sent %v, want %v", rec.sent, want)
			}
		})
	}
}

func TestKillReturnsDeliveryFailuresAsOSError(t *testing.T) {
	k, rec := fakeKiller(Policy{AllowGroups: true})
	rec.err = unix.EPERM
	for _, pid := range []int{otherAbsentPID, -5} {
		var osErr *OSError
		if err := k.Kill(Target{PID: pid}, 15); !errors.As(err, &osErr) || osErr.Name() != "EPERM" || err.Error() != "Operation not permitted" {
			t.Errorf("Kill(%d) = %v, want *OSError EPERM", pid, err)
		}
	}
}

func TestTerminateChecksBothSignalsBeforeSendingAny(t *testing.T) {
	for _, tc := range []struct {
		name     string
		pid      int
		sig, esc Signum
		want     string
	}{
		{"escalation out of range", otherAbsentPID, 15, 999, "Invalid argument"},
		{"broadcast", -1, 15, 9, "refused by policy: broadcast"},
		{"self", 4242, 0, 9, "refused by policy: self"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, rec := fakeKiller(Policy{Self: 4242})
			opts := TerminateOptions{Signal: tc.sig, Timeout: time.Millisecond, Escalate: true, EscalateSignal: tc.esc, EscalateTimeout: time.Millisecond}
			_, err := k.Terminate(context.Background(), Target{PID: tc.pid}, opts)
			if got := errorText(err); got != tc.want || len(rec.sent) != 0 {
				t.Errorf("Terminate = %q, sent %v; want %q and nothing sent", got, rec.sent, tc.want)
			}
		})
	}
}

func TestKillAnAbsentPIDIsESRCH(t *testing.T) {
	for name, k := range map[string]*Controller{"pidfd": NewController(Policy{}), "fallback": {sys: osSystem{noPidfd: true}}} {
		for _, pid := range []int{absentPID, otherAbsentPID} {
			err := k.Kill(Target{PID: pid}, 0)
			var osErr *OSError
			if !errors.As(err, &osErr) || osErr.Name() != "ESRCH" || osErr.Text() != "No such process" || !errors.Is(err, unix.ESRCH) {
				t.Errorf("%s: Kill(%d, NONE) = %v, want ESRCH", name, pid, err)
			}
		}
	}
}

// TestKillChecksTheSignalBeforeThePID documents a deliberate difference
// from Linux, which says ESRCH for a missing pid whatever the signal.
func TestKillChecksTheSignalBeforeThePID(t *testing.T) {
	if err := NewController(Policy{}).Kill(Target{PID: otherAbsentPID}, 999); !errors.Is(err, unix.EINVAL) {
		t.Fatalf("Kill(absent, 999) = %v, want EINVAL", err)
	}
}

// startSleep starts a child that sleeps until killed; it is killed and
// reaped when the test ends.
func startSleep(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill() // a no-op once Wait has reaped it
		cmd.Wait()
	})
	return cmd
}

// waitSignal reaps cmd and returns the signal that ended it.
func waitSignal(t *testing.T, cmd *exec.Cmd) syscall.Signal {
	t.Helper()
	cmd.Wait()
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() {
		t.Fatalf("child ended with %v, not by a signal", cmd.ProcessState)
	}
	return ws.Signal()
}

func TestKillSignalsAChild(t *testing.T) {
	for name, k := range map[string]*Controller{"pidfd": NewController(Policy{}), "fallback": {sys: osSystem{noPidfd: true}}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cmd := startSleep(t)
			target := Target{PID: cmd.Process.Pid}
			if err := k.Kill(target, 0); err != nil {
				t.Fatalf("Kill(child, NONE) = %v", err)
			}
			if err := k.Kill(target, Signum(unix.SIGTERM)); err != nil {
				t.Fatalf("Kill(child, TERM) = %v", err)
			}
			if sig := waitSignal(t, cmd); sig != syscall.SIGTERM {
				t.Fatalf("child ended by %v, want SIGTERM", sig)
			}
		})
	}
}

// BenchmarkKillNone is the cost of Kill(child, NONE): through a cached
// pidfd (one pidfd_send_signal), through a fresh pidfd each time (open,
// send, close: a Controller whose cache is closed), and on the fallback that
// holds bare pids (kill(pid, 0) to open, then kill); against a bare
// kill(2), the floor.
func BenchmarkKillNone(b *testing.B) {
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	target := Target{PID: cmd.Process.Pid}
	b.Run("kill(2)", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := unix.Kill(cmd.Process.Pid, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
	fresh := NewController(Policy{})
	fresh.Close()
	cached := NewController(Policy{})
	defer cached.Close()
	for _, c := range []struct {
		name string
		k    *Controller
	}{{"cached-pidfd", cached}, {"fresh-pidfd", fresh}, {"no-pidfd", &Controller{sys: osSystem{noPidfd: true}}}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := c.k.Kill(target, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
