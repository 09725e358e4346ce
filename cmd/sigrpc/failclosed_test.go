//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
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

// needRootAnd skips the test unless it runs as root and every tool is on
// PATH.
func needRootAnd(t *testing.T, tools ...string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a pid namespace")
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s: %v", tool, err)
		}
	}
}

// assertAliveNoSignal checks that process pid, which the test started
// but is not the test's child, is running, not a zombie, and has no
// signal pending.
func assertAliveNoSignal(t *testing.T, pid int) {
	t.Helper()
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatalf("the victim %d is gone: %v", pid, err)
	}
	if f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:])); len(f) == 0 || f[0] == "Z" || f[0] == "X" {
		t.Fatalf("the victim %d has exited (%s)", pid, stat)
	}
	assertNoPendingSignal(t, pid)
}

// TestDescendantsOnlyRefusesParentPIDZero enters sigrpc into a pid
// namespace from outside, as nsenter and docker exec do: its parent,
// nsenter, lies outside the namespace, so getppid() is 0.
func TestDescendantsOnlyRefusesParentPIDZero(t *testing.T) {
	needRootAnd(t, "nsenter")
	nsInit, victimNS, victimHost := victimInNewPIDNamespace(t, "")

	enter := func(t *testing.T, input string, args ...string) (string, string, int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, "nsenter", append([]string{"-t", fmt.Sprint(nsInit), "-p", "--", binPath}, args...)...)
		cmd.Stdin = strings.NewReader(input)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if ctx.Err() != nil {
			t.Fatal("nsenter sigrpc timed out")
		}
		if _, isExit := err.(*exec.ExitError); err != nil && !isExit {
			t.Fatal(err)
		}
		return stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()
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
		assertAliveNoSignal(t, victimHost)
	})
	t.Run("serves without the flag", func(t *testing.T) {
		stdout, stderr, code := enter(t, killRequest(victimNS, "NONE")+"\n")
		if code != exitOK || stdout != sent+"\n" {
			t.Fatalf("exit status %d, stdout %q, stderr %q; want 0 and %s", code, stdout, stderr, sent)
		}
		assertAliveNoSignal(t, victimHost)
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
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	init := exec.CommandContext(ctx, "python3", append([]string{"-c", orphanInit, binPath, sig}, args...)...)
	init.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID}
	reports, reportW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer reports.Close()
	init.ExtraFiles = []*os.File{reportW}
	stdin, err := init.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	init.Stdout, init.Stderr = &stdout, &stderr
	init.WaitDelay = 5 * time.Second
	if err := init.Start(); err != nil {
		reportW.Close()
		t.Skipf("cannot create a pid namespace: %v", err)
	}
	reportW.Close()
	waited := false
	finish := func() {
		if !waited {
			waited = true
			stdin.Close()
			if err := init.Wait(); err != nil {
				t.Errorf("the namespace's init: %v; stderr %q", err, stderr.String())
			}
		}
	}
	defer finish() // on a failure before the end
	run := orphanRun{ppid: -1, exit: -1}
	lines := bufio.NewScanner(reports)
	for run.exit < 0 || run.victim == 0 {
		if !lines.Scan() {
			t.Fatalf("the namespace's init stopped reporting (%v); stderr %q", lines.Err(), stderr.String())
		}
		line := lines.Text()
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
	assertAliveNoSignal(t, run.victim)
	finish()
	run.stdout, run.stderr = stdout.String(), stderr.String()
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
	ns := exec.Command("sh", "-c", script, pid)
	ns.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID}
	out, err := ns.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := ns.Start(); err != nil {
		t.Skipf("cannot create a pid namespace: %v", err)
	}
	t.Cleanup(func() {
		ns.Process.Kill() // the namespace's init: the kernel then kills the victim
		ns.Wait()
	})
	lines := bufio.NewScanner(out)
	for inNS == 0 || onHost == 0 {
		if !lines.Scan() {
			t.Fatalf("the namespace's shell printed no pids: %v", lines.Err())
		}
		fmt.Sscanf(lines.Text(), "ns %d", &inNS)
		fmt.Sscanf(lines.Text(), "host %d", &onHost)
	}
	waitFor(t, "the victim to exec sleep", func() bool {
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", onHost))
		return strings.TrimSpace(string(comm)) == "sleep"
	})
	return ns.Process.Pid, inNS, onHost
}
