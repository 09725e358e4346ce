//go:build linux

package main

import (
	"fmt"
	"strings"
	"syscall"
	"testing"

	"github.com/sigrpc/sigrpc/internal/proctest"
	"github.com/sigrpc/sigrpc/internal/spawn"
)

// These tests back the fail-closed rule of PROTOCOL.md section 5:
// --descendants-only refuses to start (exit status 2, a message saying
// why) when the parent cannot be known, parent pid 0 or 1, and nothing is
// signalled. Each starts the helper with a kill request for a victim the
// test started, in the helper's own pid namespace, and checks the victim
// afterwards. Each also runs the same construction without the flag, which
// must serve: that shows the refusal comes from the flag and not from a
// broken setup. The namespaces are new ones the test creates; ending their
// first process ends them.

// TestDescendantsOnlyRefusesParentPIDZero enters sigrpc into a pid
// namespace from outside, as nsenter and docker exec do: its parent,
// nsenter, lies outside the namespace, so getppid() is 0.
func TestDescendantsOnlyRefusesParentPIDZero(t *testing.T) {
	needRootAnd(t, "nsenter")
	nsInit, victimNS, victimHost := victimInNewPIDNamespace(t, "")

	enter := func(t *testing.T, input string, args ...string) (string, string, int) {
		t.Helper()
		return spawn.Run(t, spawn.Options{}, input, "nsenter", append([]string{"-t", fmt.Sprint(nsInit), "-p", "--", binPath}, args...)...)
	}
	t.Run("refuses to start", func(t *testing.T) {
		stdout, stderr, code := enter(t, killRequest(victimNS, "TERM")+"\n", "--descendants-only")
		if code != exitBadUsage || stdout != "" {
			t.Errorf("exit status %d, stdout %q; want %d and nothing served", code, stdout, exitBadUsage)
		}
		for _, want := range []string{"--descendants-only", "parent pid 0", "refusing to start"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("stderr %q does not say %q", stderr, want)
			}
		}
		spawn.AssertAlive(t, victimHost)
	})
	t.Run("serves without the flag", func(t *testing.T) {
		stdout, stderr, code := enter(t, killRequest(victimNS, "NONE")+"\n")
		if code != exitOK || stdout != sent+"\n" {
			t.Fatalf("exit status %d, stdout %q, stderr %q; want 0 and %s", code, stdout, stderr, sent)
		}
		spawn.AssertAlive(t, victimHost)
	})
}

// orphanInit is the first process of a new pid namespace, pid 1 there:
// it starts a victim, which writes its pid outside the namespace to fd 3
// as "victim PID", then starts sigrpc as an orphan: a process whose parent
// exits, and which waits until it has been reparented to pid 1 (getppid,
// bounded), reports "orphan PID ppid PPID" on fd 3 and execs sigrpc with
// the arguments given, its stdin holding a kill request for the victim
// (signal argv[2]). Being pid 1, it reaps the orphan and reports
// "helper-exit STATUS"; it then waits for its stdin to close, and kills
// and reaps the victim.
const orphanInit = `
import os, sys, time
binpath, sig, flags = sys.argv[1], sys.argv[2], sys.argv[3:]
def report(line):
    os.write(3, (line + "\n").encode())
victim = os.fork()
if victim == 0:
    os.execvp("sh", ["sh", "-c", 'read -r host rest </proc/self/stat; echo "victim $host" >&3; exec sleep 30'])
r, w = os.pipe()
os.write(w, ('{"jsonrpc":"2.0","id":1,"method":"kill","params":[%d,"%s"]}\n' % (victim, sig)).encode())
os.close(w)
launcher = os.fork()
if launcher == 0:
    if os.fork() == 0:
        deadline = time.monotonic() + 5
        while os.getppid() != 1 and time.monotonic() < deadline:
            time.sleep(0.001)
        report("orphan %d ppid %d" % (os.getpid(), os.getppid()))
        os.dup2(r, 0)
        os.execv(binpath, [binpath] + flags)
    os._exit(0)
os.close(r)
os.waitpid(launcher, 0)
while True:
    pid, status = os.waitpid(-1, 0)
    if pid == victim:
        report("victim-ended %d" % status)
        victim = 0
        continue
    report("helper-exit %d" % os.waitstatus_to_exitcode(status))
    break
sys.stdin.read()
if victim:
    os.kill(victim, 9)
    os.waitpid(victim, 0)
`

// orphanRun is what orphanInit reported, and what sigrpc wrote.
type orphanRun struct {
	ppid, exit, victim int
	victimEnded        bool
	stdout, stderr     string
}

// runOrphan runs sigrpc with args as an orphan in a new pid namespace (see
// orphanInit), asked to send sig to a victim, and checks the victim while
// the namespace still runs.
func runOrphan(t *testing.T, sig string, args ...string) orphanRun {
	t.Helper()
	init := spawn.Start(t, spawn.Options{Attr: &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID}, Report: true},
		"python3", append([]string{"-c", orphanInit, binPath, sig}, args...)...)
	run := orphanRun{ppid: -1, exit: -1}
	for run.exit < 0 || run.victim == 0 {
		line := init.Report.Next(t)
		var pid int
		switch {
		case strings.HasPrefix(line, "orphan "):
			fmt.Sscanf(line, "orphan %d ppid %d", &pid, &run.ppid)
		case strings.HasPrefix(line, "victim "):
			fmt.Sscanf(line, "victim %d", &run.victim)
		case strings.HasPrefix(line, "victim-ended "):
			run.victimEnded = true
		case strings.HasPrefix(line, "helper-exit "):
			fmt.Sscanf(line, "helper-exit %d", &run.exit)
		}
	}
	if run.ppid != 1 {
		t.Skipf("the orphan's parent pid is %d, not 1: reparented to a subreaper", run.ppid)
	}
	if run.victimEnded {
		t.Fatal("the victim has exited; nothing should have been sent to it")
	}
	spawn.AssertAlive(t, run.victim)
	// The namespace's init ends, and the victim with it, once its stdin
	// closes.
	ps, stdout := init.Finish(t) // stdout: what the helper wrote
	if !ps.Success() {
		t.Errorf("the namespace's init: %v; stderr %q", ps, init.Stderr)
	}
	run.stdout, run.stderr = stdout, init.Stderr.String()
	return run
}

// TestDescendantsOnlyRefusesAnOrphan starts sigrpc after its launcher has
// exited, so that its parent is pid 1 when it starts: the client that
// launched it is gone, and no tree is left to confine it to.
func TestDescendantsOnlyRefusesAnOrphan(t *testing.T) {
	needRootAnd(t, "python3")
	t.Run("refuses to start", func(t *testing.T) {
		run := runOrphan(t, "TERM", "--descendants-only")
		if run.exit != exitBadUsage || run.stdout != "" {
			t.Errorf("exit status %d, stdout %q; want %d and nothing served", run.exit, run.stdout, exitBadUsage)
		}
		for _, want := range []string{"--descendants-only", "parent pid 1", "refusing to start"} {
			if !strings.Contains(run.stderr, want) {
				t.Errorf("stderr %q does not say %q", run.stderr, want)
			}
		}
	})
	t.Run("serves without the flag", func(t *testing.T) {
		// With no parent to watch, it serves until its input ends.
		run := runOrphan(t, "NONE")
		if run.exit != exitOK || run.stdout != sent+"\n" {
			t.Errorf("exit status %d, stdout %q, stderr %q; want 0 and %s", run.exit, run.stdout, run.stderr, sent)
		}
	})
}

// victimInNewPIDNamespace starts a sleep, the victim, in a new pid
// namespace whose first process is a shell that outlives it, and returns
// that shell's pid on the host, and the victim's pid inside the namespace
// and on the host. With pid set, the
// shell first steers the namespace's next pid to it (ns_last_pid applies
// to the writer's pid namespace, whichever /proc it is written through).
// The namespace is killed, victim and all, when the test ends.
func victimInNewPIDNamespace(t *testing.T, pid string) (nsInit, inNS, onHost int) {
	t.Helper()
	script := `(read -r host rest </proc/self/stat; echo "host $host"; exec sleep 30) & echo "ns $!"; wait; exec sleep 30`
	if pid != "" {
		script = `echo $(($0 - 1)) >/proc/sys/kernel/ns_last_pid || exit 1
		` + script
	}
	// Killing the namespace's init, when the test ends, kills the victim.
	ns := spawn.Start(t, spawn.Options{Attr: &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID}, Kill: true}, "sh", "-c", script, pid)
	for inNS == 0 || onHost == 0 {
		line := ns.Next(t)
		fmt.Sscanf(line, "ns %d", &inNS)
		fmt.Sscanf(line, "host %d", &onHost)
	}
	spawn.WaitFor(t, "the victim to exec sleep", func() bool { return proctest.Comm(onHost) == "sleep" })
	return ns.Pid, inNS, onHost
}
