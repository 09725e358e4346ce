package sigctl

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sigrpc/sigrpc/internal/spawn"
)

// These tests audit Controllers that signal real processes: trees and
// sleeps the tests start themselves (startTree, internal/spawn), and
// nothing else.

// TestAuditRecordsATreesEverySend: terminate(tree) hands Audit a Record
// of every send to every member, each in the order it was made: its STOP,
// its signal, its CONT, and for a member that outlives the signal the
// same again with the escalation. Each names the tree's root and
// describes its member (start time, command, uid); the probes with the
// null signal have none.
func TestAuditRecordsATreesEverySend(t *testing.T) {
	// The root shell, a sleep that ignores TERM, and one that does not.
	tr := startTree(t, `sh -c 'trap "" TERM; exec sleep 1000' & sleep 1000 & wait`, 3, 2)
	root := tr.root.Process.Pid
	k := NewController(Policy{})
	defer k.Close()
	trail := &trail{}
	k.Audit = trail.audit
	res, err := k.Terminate(context.Background(), Target{PID: root}, treeOpts)
	if err != nil || !res.Exited || !res.Escalated {
		t.Fatalf("Terminate(tree) = %+v, %v; want every member ended, with the escalation", res, err)
	}
	byPID := map[int][]string{}
	for _, r := range trail.records {
		if r.Method != RecordTerminate || r.Tree != root {
			t.Errorf("%s: want method terminate, tree=%d", short(r), root)
		}
		if r.Signal == None {
			t.Errorf("%s: a probe was recorded", short(r))
		}
		if r.StartTime == "" || r.Comm == "" || r.UID != os.Getuid() {
			t.Errorf("%s: start time %q, comm %q, uid %d; want the member described", short(r), r.StartTime, r.Comm, r.UID)
		}
		step := r.Signal.String()
		if r.Outcome != OutcomeSent {
			step += " " + r.Outcome
		}
		if r.Escalation {
			step += " escalation"
		}
		byPID[r.PID] = append(byPID[r.PID], step)
	}
	escalated := 0
	for _, m := range res.Members {
		steps := byPID[m.PID]
		switch {
		case m.Escalated:
			escalated++
			// The CONT after KILL may find the member dead and reaped.
			if len(steps) == 6 && steps[5] == "CONT error" {
				steps[5] = "CONT"
			}
			if want := []string{"STOP", "TERM", "CONT", "STOP", "KILL escalation", "CONT"}; !slices.Equal(steps, want) {
				t.Errorf("member %d (escalated): %q, want %q", m.PID, steps, want)
			}
		default:
			if want := []string{"STOP", "TERM", "CONT"}; !slices.Equal(steps, want) {
				t.Errorf("member %d: %q, want %q", m.PID, steps, want)
			}
		}
	}
	if escalated != 1 || len(res.Members) != 3 || len(byPID) != 3 {
		t.Errorf("%d members, %d escalated, %d recorded; want 3, 1 (the sleep that ignores TERM), 3", len(res.Members), escalated, len(byPID))
	}
}

// TestAuditRecordsRefusalsWithTheTargetsUID: under --allow-uid, a kill of
// a process of another uid is refused and its Record says whose it is;
// terminate's signal to an allowed one is sent and recorded so; a
// start_time that no longer matches is an error that describes nothing,
// since the process found is not the one named.
func TestAuditRecordsRefusalsWithTheTargetsUID(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, to start a process as another uid")
	}
	const other = 65534 // nobody
	theirs := spawn.Script(t, &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: other, Gid: other}}, "exec sleep 1000")
	rootOwned := spawn.Sleep(t, false)
	k := NewController(Policy{AllowUIDs: []int{other}})
	defer k.Close()
	trail := &trail{}
	k.Audit = trail.audit
	var pe *PolicyError
	if err := k.Kill(Target{PID: rootOwned.Pid}, Signum(unix.SIGTERM)); !errors.As(err, &pe) || pe.Reason != ReasonUID {
		t.Fatalf("Kill(root's sleep) = %v, want a uid refusal", err)
	}
	if err := k.Kill(Target{PID: theirs.Pid, StartTime: "1"}, Signum(unix.SIGTERM)); !errors.Is(err, unix.ESRCH) {
		t.Fatalf("Kill(their sleep, a wrong start time) = %v, want ESRCH", err)
	}
	opts := TerminateOptions{Signal: Signum(unix.SIGTERM), Timeout: 10 * time.Second, Escalate: true, EscalateSignal: Signum(unix.SIGKILL)}
	if res, err := k.Terminate(context.Background(), Target{PID: theirs.Pid}, opts); err != nil || !res.Exited || res.Escalated {
		t.Fatalf("Terminate(their sleep) = %+v, %v", res, err)
	}
	rootOwned.AssertUntouched(t)
	want := []string{
		fmt.Sprintf("kill %d TERM refused uid", rootOwned.Pid),
		fmt.Sprintf("kill %d TERM error ESRCH (start_time mismatch)", theirs.Pid),
		fmt.Sprintf("terminate %d TERM sent", theirs.Pid),
	}
	if got := trail.lines(); !slices.Equal(got, want) {
		t.Fatalf("Records:\n%q\nwant\n%q", got, want)
	}
	r := trail.records
	if r[0].UID != 0 || r[0].Comm != "sleep" || r[0].StartTime == "" {
		t.Errorf("the refusal describes uid %d, comm %q, start time %q; want root's sleep", r[0].UID, r[0].Comm, r[0].StartTime)
	}
	if r[1].UID != -1 || r[1].StartTime != "" {
		t.Errorf("the mismatch describes uid %d, start time %q; want nothing", r[1].UID, r[1].StartTime)
	}
	if r[2].UID != other || r[2].Comm != "sleep" {
		t.Errorf("the send describes uid %d, comm %q; want %d's sleep", r[2].UID, r[2].Comm, other)
	}
}

// TestAuditRecordsTheCONTThatCloseSends: Close, during a tree call's stop
// pass, continues the root the call stopped, and hands Audit that CONT;
// the STOP the call then tries is recorded as the error it is.
func TestAuditRecordsTheCONTThatCloseSends(t *testing.T) {
	tr := startTree(t, smallTree, 5, 3)
	root := tr.root.Process.Pid
	k := clientController(t)
	trail := &trail{}
	k.Audit = trail.audit
	h := holdTreeCall(t, context.Background(), k, tr)
	k.Close()
	if err := h.result(t); !errors.Is(err, ErrClosed) {
		t.Fatalf("the tree call = %v, want ErrClosed", err)
	}
	assertRunning(t, tr.pids)
	got := trail.lines()
	want := []string{
		fmt.Sprintf("terminate %d STOP sent tree=%d", root, root),
		fmt.Sprintf("terminate %d CONT sent tree=%d", root, root),
	}
	if len(got) != 3 || !slices.Equal(got[:2], want) {
		t.Fatalf("Records:\n%q\nwant\n%q and the next member's STOP, cancelled", got, want)
	}
	next := trail.records[2]
	if next.Signal != sigStop || next.Errno != unix.ECANCELED || next.Detail != ReasonStopping || !slices.Contains(tr.pids, next.PID) {
		t.Errorf("the third Record is %s, want a member's STOP cancelled: %s", short(next), ReasonStopping)
	}
	if trail.records[1].StartTime != trail.records[0].StartTime || trail.records[1].Comm != "sh" {
		t.Errorf("the CONT describes %q %q, the STOP %q", trail.records[1].StartTime, trail.records[1].Comm, trail.records[0].StartTime)
	}
}

// TestAuditFailureContinuesWhatATreeStopped: when Audit fails on a tree's
// first STOP, the call stops nothing more and signals nothing, and the
// member it stopped is continued all the same: a failed trail never
// leaves a process stopped.
func TestAuditFailureContinuesWhatATreeStopped(t *testing.T) {
	tr := startTree(t, smallTree, 5, 3)
	root := tr.root.Process.Pid
	k := NewController(Policy{})
	defer k.Close()
	trail := &trail{failAt: 1}
	k.Audit = trail.audit
	if _, err := k.Terminate(context.Background(), Target{PID: root}, treeOpts); !errors.Is(err, ErrAuditFailed) {
		t.Fatalf("Terminate(tree) = %v, want ErrAuditFailed", err)
	}
	assertRunning(t, tr.pids)
	got := trail.lines()
	if len(got) != 3 {
		t.Fatalf("Records %q, want the root's STOP, the next member's refused, the root's CONT", got)
	}
	tree := " tree=" + strconv.Itoa(root)
	if got[0] != fmt.Sprintf("terminate %d STOP sent", root)+tree ||
		got[1] != fmt.Sprintf("terminate %d STOP error ECANCELED (%s)", trail.records[1].PID, ReasonAuditFailed)+tree ||
		got[2] != fmt.Sprintf("terminate %d CONT sent", root)+tree {
		t.Errorf("Records %q", got)
	}
}
