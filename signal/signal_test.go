package signal

import (
	"errors"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name string
		want Number
		ok   bool
	}{
		{"TERM", 15, true}, {"SIGTERM", 15, true}, {"term", 15, true}, {"sigTerm", 15, true},
		{"NONE", 0, true}, {"SIGNONE", 0, true}, {"none", 0, true},
		{"KILL", Number(syscall.SIGKILL), true}, {"ABRT", Number(syscall.SIGABRT), true},
		{"", 0, false}, {"SIG", 0, false}, {" TERM", 0, false}, {"TERM ", 0, false},
		{"15", 0, false}, {"IOT", 0, false}, {"CLD", 0, false}, {"POLL", 0, false},
		{"STKFLT", 0, false}, {"THR", 0, false}, {"LOST", 0, false}, {"SIGSIGTERM", 0, false},
		{"TERMINATE_EVERYTHING_NOW", 0, false},
	} {
		got, ok := Parse(tc.name)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Parse(%q) = %d, %v; want %d, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

func TestNameRoundTrips(t *testing.T) {
	for n := Number(0); n <= Max; n++ {
		name, ok := n.Name()
		if !ok {
			continue
		}
		if got, ok := Parse(name); !ok || got != n {
			t.Errorf("Parse(%q) = %d, %v; want %d", name, got, ok, n)
		}
	}
	for _, n := range []Number{-1, Max + 1} {
		if name, ok := n.Name(); ok {
			t.Errorf("Number(%d).Name() = %q, want none", n, name)
		}
	}
}

func TestTableIsSortedAndStartsWithNone(t *testing.T) {
	tab := Table()
	if tab[0] != (Entry{"NONE", 0}) {
		t.Fatalf("first entry %v, want NONE", tab[0])
	}
	for i := 1; i < len(tab); i++ {
		if tab[i].Number <= tab[i-1].Number {
			t.Errorf("%v follows %v", tab[i], tab[i-1])
		}
	}
	tab[0].Name = "CHANGED"
	if Table()[0].Name != "NONE" {
		t.Error("Table returned shared storage")
	}
}

func TestCheckNumber(t *testing.T) {
	for _, n := range []int64{0, 1, int64(Max)} {
		if _, err := CheckNumber(n); err != nil {
			t.Errorf("CheckNumber(%d) = %v", n, err)
		}
	}
	for _, n := range []int64{-1, int64(Max) + 1, 999, 1<<32 + 15} {
		_, err := CheckNumber(n)
		var osErr *OSError
		if !errors.As(err, &osErr) || osErr.Errno != unix.EINVAL {
			t.Errorf("CheckNumber(%d) = %v, want EINVAL", n, err)
		}
	}
}

func TestCheckPID(t *testing.T) {
	for _, pid := range []int64{-2147483648, -1, 0, 2147483647} {
		if got, err := CheckPID(pid); err != nil || int64(got) != pid {
			t.Errorf("CheckPID(%d) = %d, %v", pid, got, err)
		}
	}
	for _, pid := range []int64{2147483648, -2147483649, 1 << 40} {
		if _, err := CheckPID(pid); !errors.Is(err, ErrPIDRange) {
			t.Errorf("CheckPID(%d) = %v, want ErrPIDRange", pid, err)
		}
	}
}

func TestOSError(t *testing.T) {
	for _, tc := range []struct {
		errno      syscall.Errno
		name, text string
	}{
		{unix.ESRCH, "ESRCH", "No such process"},
		{unix.EPERM, "EPERM", "Operation not permitted"},
		{unix.EINVAL, "EINVAL", "Invalid argument"},
		{unix.EAGAIN, "EAGAIN", "Resource temporarily unavailable"},
		{unix.EBADF, "EBADF", "Bad file descriptor"},
	} {
		e := &OSError{Errno: tc.errno}
		if e.Name() != tc.name || e.Text() != tc.text || e.Error() != tc.text || !errors.Is(e, tc.errno) {
			t.Errorf("%d: name %q text %q error %q; want %q %q", tc.errno, e.Name(), e.Text(), e.Error(), tc.name, tc.text)
		}
	}
	e := &OSError{Errno: unix.ESRCH, Reason: "start_time mismatch"}
	if got := e.Error(); got != "No such process (start_time mismatch)" {
		t.Errorf("Error() = %q", got)
	}
	if AsOSError(nil) != nil {
		t.Error("AsOSError(nil) != nil")
	}
}

func TestPolicyCheck(t *testing.T) {
	const self = 4242
	for _, tc := range []struct {
		policy Policy
		pid    int
		sig    Number
		reason string
	}{
		{Policy{Self: self}, -1, 0, ReasonBroadcast},
		{Policy{Self: self, AllowGroups: true}, -1, 0, ReasonBroadcast},
		{Policy{Self: self}, 0, 0, ReasonProcessGroup},
		{Policy{Self: self}, -5, 15, ReasonProcessGroup},
		{Policy{Self: self, AllowGroups: true}, 0, 15, ""},
		{Policy{Self: self, AllowGroups: true}, -5, 15, ""},
		{Policy{Self: self}, self, 15, ReasonSelf},
		{Policy{Self: self}, self, 0, ""},
		{Policy{Self: self}, 1234, 9, ""},
	} {
		err := tc.policy.Check(tc.pid, tc.sig)
		var pe *PolicyError
		got := ""
		if errors.As(err, &pe) {
			got = pe.Reason
		} else if err != nil {
			t.Fatalf("Check(%d, %d) = %v", tc.pid, tc.sig, err)
		}
		if got != tc.reason {
			t.Errorf("%+v.Check(%d, %d) refused %q, want %q", tc.policy, tc.pid, tc.sig, got, tc.reason)
		}
	}
}

// recorder is a fake send that records every signal.
type recorder struct{ sent []int }

func (r *recorder) send(pid int, sig syscall.Signal) error {
	r.sent = append(r.sent, pid)
	return nil
}

// TestKillerChecksBeforeSending proves that refusals send nothing. The
// checks all come before any process is opened or signalled.
func TestKillerChecksBeforeSending(t *testing.T) {
	for _, tc := range []struct {
		pid, sig int64
		want     string // error text, "" for sent
	}{
		{-1, 0, "refused by policy: broadcast"},
		{0, 15, "refused by policy: process-group"},
		{-1, 999, "Invalid argument"}, // the range is checked before the policy
		{1 << 31, 0, "pid 2147483648: pid out of range"},
		{77, 65536, "Invalid argument"},
		{99, int64(Max) + 1, "Invalid argument"},
		{4242, 15, "refused by policy: self"},
	} {
		rec := &recorder{}
		k := &Killer{Policy: Policy{Self: 4242}, send: rec.send}
		err := k.Kill(Target{PID: tc.pid}, tc.sig)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want || len(rec.sent) != 0 {
			t.Errorf("Kill(%d, %d) = %q, sent %v; want %q", tc.pid, tc.sig, got, rec.sent, tc.want)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Parse("SIGTERM")
	}
}
