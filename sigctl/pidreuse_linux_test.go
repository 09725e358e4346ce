//go:build linux

package sigctl

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// These tests make a real pid reuse happen: a process is killed and
// reaped, and a new process is made to take its pid, which the tests then
// show the old identity never reaches. Steering a pid needs a pid
// namespace of our own (ns_last_pid picks the next pid, and nothing else
// runs there to take it first), so TestPIDReuseInAPrivateNamespace runs
// this test binary again as pid 1 of a new pid and mount namespace, with a
// fresh /proc. Every process the inner run signals is one it started;
// when it exits, the kernel kills whatever is left in its namespace.

// pidReuseInner marks the run inside the namespace.
const pidReuseInner = "SIGRPC_TEST_PIDREUSE_INNER"

// pidReuseUnavailable starts a line that says the namespace could not be
// set up (no /proc of its own); the outer test skips on it.
const pidReuseUnavailable = "pidreuse: unavailable: "

// pidReuseSubtests are the inner subtests that must pass: each asserts a
// guarantee and fails if a signal reaches the pid's new owner.
var pidReuseSubtests = []string{
	"stale_start_time/pidfd",
	"stale_start_time/fallback",
	"cached_handle_of_a_reaped_process",
	"open_handle_of_a_reaped_process",
	"terminate_escalation/pidfd",
	"terminate_escalation/pidfd_with_start_time",
	"terminate_escalation/fallback_with_start_time",
	"terminate_escalation/fallback_without_start_time",
	"ancestry_walk_across_a_reused_pid",
}

func TestPIDReuseInAPrivateNamespace(t *testing.T) {
	if os.Getenv(pidReuseInner) == "1" {
		runPIDReuseInner(t)
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root: it creates a pid namespace and writes ns_last_pid")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// -test.timeout bounds the inner run, and the context the outer wait:
	// killing pid 1 of the namespace kills everything in it.
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestPIDReuseInAPrivateNamespace$", "-test.v", "-test.count=1", "-test.timeout=45s")
	cmd.Env = append(os.Environ(), pidReuseInner+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID | syscall.CLONE_NEWNS}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start a process in a new pid and mount namespace: %v", err)
	}
	err := cmd.Wait()
	t.Logf("the run inside the namespace:\n%s", out.String())
	if _, msg, ok := strings.Cut(out.String(), pidReuseUnavailable); ok {
		msg, _, _ = strings.Cut(msg, "\n")
		t.Skipf("the namespace could not be set up: %s", msg)
	}
	if err != nil {
		t.Fatalf("the run inside the namespace failed: %v", err)
	}
	for _, name := range pidReuseSubtests {
		if !strings.Contains(out.String(), "--- PASS: TestPIDReuseInAPrivateNamespace/"+name+" ") {
			t.Errorf("subtest %s did not pass inside the namespace", name)
		}
	}
}

// runPIDReuseInner is the test inside the namespace, where this process
// is pid 1.
func runPIDReuseInner(t *testing.T) {
	if pid := os.Getpid(); pid != 1 {
		t.Fatalf("the inner run is pid %d, want 1 of a new pid namespace", pid)
	}
	// Mounts made here must not reach the host's mount namespace.
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		fmt.Printf("%smaking mounts private: %v\n", pidReuseUnavailable, err)
		t.Fatal(err)
	}
	if err := unix.Mount("proc", "/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		fmt.Printf("%smounting /proc: %v\n", pidReuseUnavailable, err)
		t.Fatal(err)
	}
	if self, err := readInfo(1); err != nil || self.PID != 1 {
		t.Fatalf("/proc does not show this namespace: %+v, %v", self, err)
	}

	t.Run("stale start_time", func(t *testing.T) {
		for name, k := range map[string]*Controller{"pidfd": NewController(Policy{}), "fallback": {sys: osSystem{noPidfd: true}}} {
			t.Run(name, func(t *testing.T) {
				old := startSleep(t)
				pid := old.Process.Pid
				info, err := k.Inspect(pid)
				if err != nil {
					t.Fatal(err)
				}
				reapKilled(t, old)
				owner := startAtReusedPID(t, pid, info.StartTime)
				err = k.Kill(Target{PID: pid, StartTime: info.StartTime}, Signum(unix.SIGTERM))
				var osErr *OSError
				if !errors.As(err, &osErr) || osErr.Errno != unix.ESRCH || osErr.Reason != "start_time mismatch" {
					t.Errorf("Kill(pid %d, stale start_time) = %v, want ESRCH (start_time mismatch)", pid, err)
				}
				assertNewOwnerUntouched(t, owner)
			})
		}
	})

	t.Run("cached handle of a reaped process", func(t *testing.T) {
		k := NewController(Policy{})
		defer k.Close()
		old := startSleep(t)
		pid := old.Process.Pid
		info, err := k.Inspect(pid)
		if err != nil {
			t.Fatal(err)
		}
		target := Target{PID: pid, StartTime: info.StartTime}
		if err := k.Kill(target, 0); err != nil {
			t.Fatalf("Kill(old, NONE) = %v", err)
		}
		cached := k.handles.take(pid)
		if cached == nil {
			t.Fatal("Kill cached no handle for the old process")
		}
		k.handles.put(cached)
		reapKilled(t, old)
		owner := startAtReusedPID(t, pid, info.StartTime)
		err = k.Kill(target, Signum(unix.SIGTERM))
		if !errors.Is(err, unix.ESRCH) {
			t.Errorf("Kill(pid %d, old start_time) with the old pidfd cached = %v, want ESRCH", pid, err)
		}
		t.Logf("Kill with the stale handle cached: %v", err)
		if p := k.handles.take(pid); p == cached {
			t.Error("the handle of the reaped process is still cached")
		} else if p != nil {
			k.handles.put(p)
		}
		assertNewOwnerUntouched(t, owner)
	})

	t.Run("open handle of a reaped process", func(t *testing.T) {
		old := startSleep(t)
		pid := old.Process.Pid
		p, err := Open(pid)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		reapKilled(t, old)
		owner := startAtReusedPID(t, pid, "")
		if err := p.Signal(Signum(unix.SIGTERM)); !errors.Is(err, unix.ESRCH) {
			t.Errorf("Signal through the pidfd of the reaped process = %v, want ESRCH", err)
		}
		if info, err := p.Info(); !errors.Is(err, unix.ESRCH) {
			t.Errorf("Info through the pidfd of the reaped process = %+v, %v; want ESRCH, not the new owner's details", info, err)
		}
		if !p.Exited() {
			t.Error("Exited through the pidfd of the reaped process = false")
		}
		assertNewOwnerUntouched(t, owner)
	})

	// This one documents a limit and asserts nothing: start_time counts
	// clock ticks (10 ms), so a process that takes a pid within the tick
	// in which the pid's previous owner started carries the same
	// start_time, and a fresh open of the pid passes the check. The other
	// subtests wait for the tick to pass (startAtReusedPID).
	t.Run("start_time resolution", func(t *testing.T) {
		k := NewController(Policy{})
		defer k.Close()
		for try := 1; try <= 20; try++ {
			old := startSleep(t)
			pid := old.Process.Pid
			info, err := k.Inspect(pid)
			if err != nil {
				t.Fatal(err)
			}
			reapKilled(t, old)
			owner := startAtReusedPID(t, pid, "")
			now, err := readInfo(pid)
			if err != nil {
				t.Fatal(err)
			}
			if now.StartTime != info.StartTime {
				reapKilled(t, owner)
				continue
			}
			err = k.Kill(Target{PID: pid, StartTime: info.StartTime}, None)
			t.Logf("try %d: pid %d reused within start tick %s; Kill(pid, old start_time, NONE) = %v (nil: the new owner passed the check)",
				try, pid, info.StartTime, err)
			reapKilled(t, owner)
			return
		}
		t.Log("no reuse within one clock tick in 20 tries")
	})

	t.Run("terminate escalation", func(t *testing.T) {
		// In every case the escalation must not reach the new owner; the
		// fallback without start_time pins the process by the start time it
		// reads when it opens it.
		for _, tc := range []struct {
			name      string
			killer    *Controller
			startTime bool
		}{
			{"pidfd", NewController(Policy{}), false},
			{"pidfd with start_time", NewController(Policy{}), true},
			{"fallback with start_time", &Controller{sys: osSystem{noPidfd: true}}, true},
			{"fallback without start_time", &Controller{sys: osSystem{noPidfd: true}}, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				terminateAcrossReuse(t, tc.killer, tc.startTime)
			})
		}
	})

	t.Run("ancestry walk across a reused pid", ancestryAcrossReuse)
}

// familyScript is a client process for the ancestry test: it starts a
// child P, which starts a child T, prints "P T", and then on its stdin
// reaps P ("reap"), starts another child and prints its pid ("fork"), or
// kills and reaps such a child ("drop Q").
const familyScript = `
import os, sys, time
r, w = os.pipe()
p = os.fork()
if p == 0:
    os.close(r)
    t = os.fork()
    if t == 0:
        time.sleep(600); os._exit(0)
    os.write(w, str(t).encode()); os.close(w)
    time.sleep(600); os._exit(0)
os.close(w)
t = int(os.read(r, 64)); os.close(r)
print(p, t, flush=True)
for line in sys.stdin:
    cmd = line.split()
    if cmd[0] == "reap":
        os.waitpid(p, 0); print("reaped", flush=True)
    elif cmd[0] == "fork":
        q = os.fork()
        if q == 0:
            time.sleep(600); os._exit(0)
        print(q, flush=True)
    elif cmd[0] == "drop":
        q = int(cmd[1]); os.kill(q, 9); os.waitpid(q, 0); print("dropped", flush=True)
`

// ancestryAcrossReuse: the client C has a child P, which has a child T.
// In the middle of --descendants-only's walk up from T, after T's parent
// was read as P and before P is opened, P dies, T is reparented away from
// C's tree, and a new child of C takes P's pid. A walk that trusted the
// pid would find C above it and let the signal through; the walk reads
// T's parent again through T's pidfd, sees it changed, and refuses.
func ancestryAcrossReuse(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("needs python3 for the client process")
	}
	client := exec.Command("python3", "-c", familyScript)
	toClient, _ := client.StdinPipe()
	fromClient, _ := client.StdoutPipe()
	if err := client.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { client.Process.Kill(); client.Wait() }()
	lines := bufio.NewReader(fromClient)
	ask := func(cmd string) string {
		t.Helper()
		fmt.Fprintln(toClient, cmd)
		line, err := lines.ReadString('\n')
		if err != nil {
			t.Fatalf("the client, after %q: %v", cmd, err)
		}
		return strings.TrimSpace(line)
	}
	var p, target int
	if _, err := fmt.Fscanln(lines, &p, &target); err != nil {
		t.Fatalf("reading the client's children: %v", err)
	}
	defer func() { unix.Kill(target, unix.SIGKILL); unix.Wait4(target, nil, 0, nil) }() // ours once reparented
	handle, err := Open(client.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	defer handle.Close()
	k := NewController(Policy{DescendantsOf: handle})
	defer k.Close()
	replaced := false
	k.hooks = &testHooks{onWalkStep: func(child, ppid int) {
		if replaced || child != target || ppid != p {
			return
		}
		replaced = true
		unix.Kill(p, unix.SIGKILL) // the client's child, which this test started through it
		ask("reap")
		for parentPIDOf(t, target) == p {
			time.Sleep(time.Millisecond) // the kernel reparents T to this namespace's pid 1
		}
		for attempt := 0; ; attempt++ {
			if attempt == 100 {
				t.Fatalf("no new child of the client took pid %d", p)
			}
			if err := os.WriteFile("/proc/sys/kernel/ns_last_pid", []byte(strconv.Itoa(p-1)), 0); err != nil {
				t.Fatalf("writing ns_last_pid: %v", err)
			}
			q, _ := strconv.Atoi(ask("fork"))
			if q == p {
				return
			}
			ask("drop " + strconv.Itoa(q))
		}
	}}
	err = k.Kill(Target{PID: target}, Signum(unix.SIGTERM))
	if !replaced {
		t.Fatalf("the walk never reached pid %d", p)
	}
	if got := parentPIDOf(t, p); got != client.Process.Pid {
		t.Fatalf("pid %d's parent is %d, want the client %d: the reuse did not happen", p, got, client.Process.Pid)
	}
	var pe *PolicyError
	if !errors.As(err, &pe) || pe.Reason != ReasonNotDescendant {
		t.Fatalf("Kill(T) = %v, want a not-descendant refusal: T left the client's tree", err)
	}
	assertNoSignalPending(t, target)
}

// parentPIDOf reads the parent pid of pid from /proc.
func parentPIDOf(t *testing.T, pid int) int {
	t.Helper()
	info, err := readInfo(pid)
	if err != nil {
		t.Fatal(err)
	}
	return info.PPID
}

// assertNoSignalPending checks that pid is alive with no signal pending.
func assertNoSignalPending(t *testing.T, pid int) {
	t.Helper()
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatalf("pid %d is gone: %v", pid, err)
	}
	for line := range strings.Lines(string(status)) {
		k, v, _ := strings.Cut(line, ":")
		if (k == "SigPnd" || k == "ShdPnd") && strings.Trim(strings.TrimSpace(v), "0") != "" {
			t.Errorf("pid %d has a signal pending (%s)", pid, strings.TrimSpace(line))
		}
	}
}

// terminateAcrossReuse runs Terminate on a child whose first wait, steered
// (see steerWait), kills and reaps the child and starts a new
// process on its pid before reporting "not exited", so that Terminate
// escalates after the pid was reused.
func terminateAcrossReuse(t *testing.T, k *Controller, withStartTime bool) {
	old := startSleep(t)
	pid := old.Process.Pid
	target := Target{PID: pid}
	info, err := k.Inspect(target.PID)
	if err != nil {
		t.Fatal(err)
	}
	if withStartTime {
		target.StartTime = info.StartTime
	}
	base, _ := k.system().(osSystem)
	var owner *exec.Cmd
	waits := 0
	steerWait(k, func(ctx context.Context, p *Process, d time.Duration) bool {
		waits++
		if waits > 1 {
			return p.WaitTimeout(ctx, d)
		}
		reapKilled(t, old) // TERM may have ended it already; KILL makes sure
		owner = startAtReusedPID(t, pid, info.StartTime)
		return false // as a wait that missed the exit would
	})
	opts := TerminateOptions{Signal: Signum(unix.SIGTERM), Timeout: time.Second, Escalate: true, EscalateSignal: Signum(unix.SIGKILL), EscalateTimeout: time.Second}
	res, err := k.Terminate(context.Background(), target, opts)
	if owner == nil {
		t.Fatalf("Terminate = %+v, %v without waiting: the pid was never reused", res, err)
	}
	if err != nil || res.Escalated {
		t.Errorf("Terminate = %+v, %v; want no escalation, since the process it signalled is gone", res, err)
	}
	if base.noPidfd {
		t.Logf("fallback: Terminate = %+v (Exited reports on the pid, which the new owner holds)", res)
	} else if !res.Exited {
		t.Errorf("Terminate = %+v; want Exited, since the process its pidfd holds is gone", res)
	}
	assertNewOwnerUntouched(t, owner)
}

// reapKilled kills and reaps cmd, leaving its pid free.
func reapKilled(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	cmd.Process.Kill() // a no-op if it has exited already
	cmd.Wait()
	if _, err := os.Stat("/proc/" + strconv.Itoa(cmd.Process.Pid)); err == nil {
		t.Fatalf("pid %d still exists after its process was reaped", cmd.Process.Pid)
	}
}

// startAtReusedPID starts a sleep that takes pid, whose process was
// reaped, by writing pid-1 to ns_last_pid just before starting it. The Go
// runtime's own threads also take pids here, so a start that got another
// pid is undone and retried. If oldStartTime is set, it first waits for
// the clock tick to pass, so that the new owner's start time differs:
// start times count clock ticks, and a pid reused within the tick in which
// its first owner started would carry the same start time.
func startAtReusedPID(t *testing.T, pid int, oldStartTime string) *exec.Cmd {
	t.Helper()
	if oldStartTime != "" {
		waitPastTick(t, oldStartTime)
	}
	for attempt := range 100 {
		if attempt > 0 {
			t.Logf("pid %d went to another task; try %d", pid, attempt+1)
		}
		if err := os.WriteFile("/proc/sys/kernel/ns_last_pid", []byte(strconv.Itoa(pid-1)), 0); err != nil {
			t.Fatalf("writing ns_last_pid: %v", err)
		}
		cmd := exec.Command("sleep", "30")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if cmd.Process.Pid == pid {
			t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
			if oldStartTime != "" {
				info, err := readInfo(pid)
				if err != nil || info.StartTime == oldStartTime {
					t.Fatalf("the new owner of pid %d: %+v, %v; want a start time other than %s", pid, info, err, oldStartTime)
				}
			}
			return cmd
		}
		cmd.Process.Kill()
		cmd.Wait()
		if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err == nil {
			t.Fatalf("pid %d was taken by another task (a thread of this test?) before the new process could take it", pid)
		}
	}
	t.Fatalf("no new process took pid %d in 100 tries", pid)
	return nil
}

// waitPastTick waits until a process started now would have a start time
// (clock ticks since boot, USER_HZ = 100 a second) later than startTime.
func waitPastTick(t *testing.T, startTime string) {
	t.Helper()
	ticks, err := strconv.ParseInt(startTime, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		var now unix.Timespec
		if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &now); err != nil {
			t.Fatal(err)
		}
		if now.Nano()/1e7 > ticks {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the boot clock did not pass tick %d", ticks)
		}
		time.Sleep(time.Millisecond)
	}
}

// assertNewOwnerUntouched checks that the process that took the reused
// pid is running with no signal pending, then kills it and checks that
// this test's SIGKILL, not an earlier signal, is what ended it.
func assertNewOwnerUntouched(t *testing.T, owner *exec.Cmd) {
	t.Helper()
	pid := owner.Process.Pid
	var info unix.Siginfo
	if err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil); err != nil {
		t.Fatalf("waitid(%d): %v", pid, err)
	}
	if info.Signo != 0 {
		t.Errorf("the new owner of pid %d has exited; nothing should have reached it", pid)
	}
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(status)) {
		k, v, _ := strings.Cut(line, ":")
		if (k == "SigPnd" || k == "ShdPnd") && strings.Trim(strings.TrimSpace(v), "0") != "" {
			t.Errorf("the new owner of pid %d has a signal pending (%s)", pid, strings.TrimSpace(line))
		}
	}
	if err := unix.Kill(pid, unix.SIGKILL); err != nil {
		t.Fatalf("kill(%d, KILL): %v", pid, err)
	}
	if sig := waitSignal(t, owner); sig != unix.SIGKILL {
		t.Errorf("the new owner of pid %d ended by %v, want the test's SIGKILL", pid, sig)
	}
}
