package sigctl

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// These tests hand Controller.Audit's Records to a trail and deliver
// every signal to a recorder (kill_test.go), so that nothing is sent to a
// real process. The pids are above the kernel's largest pid_max (2^22),
// so nothing describes them either.

// trail collects the Records a Controller hands its Audit, and fails
// from the Record numbered failAt on (1 is the first; 0 never).
type trail struct {
	mu      sync.Mutex
	records []Record
	failAt  int
}

func (tr *trail) audit(r Record) error {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.records = append(tr.records, r)
	if tr.failAt > 0 && len(tr.records) >= tr.failAt {
		return errors.New("the trail failed")
	}
	return nil
}

// lines returns each Record in short: "pid signal outcome reason-or-errno",
// with "tree=R" and "escalation" where they apply.
func (tr *trail) lines() []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	out := make([]string, len(tr.records))
	for i, r := range tr.records {
		out[i] = short(r)
	}
	return out
}

func short(r Record) string {
	s := fmt.Sprintf("%s %d %s %s", r.Method, r.PID, r.Signal, r.Outcome)
	switch {
	case r.Reason != "":
		s += " " + r.Reason
	case r.Errno != 0:
		s += " " + unix.ErrnoName(r.Errno)
	}
	if r.Detail != "" {
		s += " (" + r.Detail + ")"
	}
	if r.Tree != 0 {
		s += fmt.Sprintf(" tree=%d", r.Tree)
	}
	if r.Escalation {
		s += " escalation"
	}
	return s
}

// audited returns a Controller of policy p whose deliveries go to a
// recorder and whose Records go to a trail.
func audited(p Policy) (*Controller, *recorder, *trail) {
	k, rec := fakeKiller(p)
	tr := &trail{}
	k.Audit = tr.audit
	return k, rec, tr
}

// TestAuditRecordsEveryKill: every Kill whose pid and signal are valid
// hands Audit one Record: sent, refused with the policy's reason, or an
// error with its errno, NONE included; a pid beyond 32 bits and a signal
// out of range name nothing and have none. The Record is handed over
// before Kill returns.
func TestAuditRecordsEveryKill(t *testing.T) {
	const self, absent = 4242, 1 << 30
	k, rec, tr := audited(Policy{Self: self, SelfGroup: 77, AllowGroups: true})
	calls := []struct {
		pid int
		sig Signum
	}{
		{absent, Signum(unix.SIGTERM)},
		{absent, None},
		{-1, Signum(unix.SIGKILL)},
		{1, Signum(unix.SIGTERM)},
		{self, Signum(unix.SIGTERM)},
		{0, Signum(unix.SIGTERM)},
		{-absent, Signum(unix.SIGHUP)},
		{1 << 40, Signum(unix.SIGTERM)}, // beyond 32 bits: no Record
		{absent, MaxSignum + 1},         // out of range: no Record
	}
	for _, c := range calls {
		before := len(tr.lines())
		k.Kill(Target{PID: c.pid}, c.sig)
		if n := len(tr.lines()) - before; n > 1 {
			t.Errorf("Kill(%d, %v) handed %d Records", c.pid, c.sig, n)
		}
	}
	rec.err = unix.ESRCH
	k.Kill(Target{PID: absent}, Signum(unix.SIGUSR1))
	want := []string{
		fmt.Sprintf("kill %d TERM sent", absent),
		fmt.Sprintf("kill %d NONE sent", absent),
		"kill -1 KILL refused broadcast",
		"kill 1 TERM refused init",
		fmt.Sprintf("kill %d TERM refused self", self),
		"kill 0 TERM refused self",
		fmt.Sprintf("kill %d HUP sent", -absent),
		fmt.Sprintf("kill %d USR1 error ESRCH", absent),
	}
	if got := tr.lines(); !slices.Equal(got, want) {
		t.Errorf("Records:\n%q\nwant\n%q", got, want)
	}
	for _, r := range tr.records {
		if r.UID != -1 || r.StartTime != "" || r.Comm != "" || r.Time.IsZero() {
			t.Errorf("%s: uid %d, start time %q, comm %q, time %v; want no details of an absent pid, and a time", short(r), r.UID, r.StartTime, r.Comm, r.Time)
		}
	}
	if n := len(rec.sent); n != 4 {
		t.Errorf("%d deliveries, want 4 (TERM, NONE, the group's HUP, USR1): %v", n, rec.sent)
	}
}

// TestAuditFailureStopsEverySend: once Audit has failed, the Controller
// sends nothing more, to a process or a group: each send ends with
// ErrAuditFailed, and is handed to Audit too. The send whose Record
// failed was made.
func TestAuditFailureStopsEverySend(t *testing.T) {
	const absent = 1 << 30
	k, rec, tr := audited(Policy{AllowGroups: true})
	tr.failAt = 2
	target := Target{PID: absent}
	if err := k.Kill(target, Signum(unix.SIGTERM)); err != nil {
		t.Fatalf("Kill before the trail failed = %v", err)
	}
	if err := k.Kill(target, Signum(unix.SIGINT)); err != nil {
		t.Fatalf("Kill whose Record fails = %v; it was sent, and says so", err)
	}
	if err := k.Kill(target, Signum(unix.SIGKILL)); !errors.Is(err, ErrAuditFailed) {
		t.Errorf("Kill after the trail failed = %v, want ErrAuditFailed", err)
	}
	if err := k.Kill(Target{PID: -absent}, Signum(unix.SIGKILL)); !errors.Is(err, ErrAuditFailed) {
		t.Errorf("Kill of a group after the trail failed = %v, want ErrAuditFailed", err)
	}
	want := []sent{{absent, syscall.SIGTERM}, {absent, syscall.SIGINT}}
	if !slices.Equal(rec.sent, want) {
		t.Errorf("delivered %v, want %v", rec.sent, want)
	}
	canceled := fmt.Sprintf(" error ECANCELED (%s)", ReasonAuditFailed)
	wantLines := []string{
		fmt.Sprintf("kill %d TERM sent", absent),
		fmt.Sprintf("kill %d INT sent", absent),
		fmt.Sprintf("kill %d KILL", absent) + canceled,
		fmt.Sprintf("kill %d KILL", -absent) + canceled,
	}
	if got := tr.lines(); !slices.Equal(got, wantLines) {
		t.Errorf("Records:\n%q\nwant\n%q", got, wantLines)
	}
}

// TestNoAuditNoRecordNoCost: without Audit, describe reads nothing: a
// send's details come from the checks alone.
func TestNoAuditNoRecordNoCost(t *testing.T) {
	k, _ := fakeKiller(Policy{})
	if info := k.describe(&Process{pid: 1, fd: -1}, Info{}); info != (Info{}) {
		t.Errorf("describe without Audit read %+v", info)
	}
}
