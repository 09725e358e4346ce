//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"syscall"
	"testing"

	"github.com/sigrpc/sigrpc/internal/nursery"
	"github.com/sigrpc/sigrpc/internal/proctest"
	"github.com/sigrpc/sigrpc/internal/spawn"
)

// These tests prove the safety edges of the README's threat model that
// only the binary shows: init (in a private pid namespace) and the
// helper's own process group are refused, a closed stdin or stdout stops
// the helper before it serves, no signal to the helper leaves a tree
// stopped, and an adopted helper refuses to serve a tree it cannot know.

// answersByID reads ndjson answers and returns them keyed by id.
func answersByID(t *testing.T, out string) map[int]string {
	t.Helper()
	m := map[int]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var a struct{ ID int }
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			t.Fatalf("not an answer: %q", line)
		}
		m[a.ID] = line
	}
	return m
}

// TestInitIsRefusedByDefault runs the helper in a private pid namespace
// whose pid 1 is a shell that traps TERM: every signalling method is
// refused as init, NONE is not, and nothing reaches the trap. With
// --allow-init the same kill reaches it, which shows the trap would have
// told.
func TestInitIsRefusedByDefault(t *testing.T) {
	needRootAnd(t, "unshare", "bash")
	run := func(t *testing.T, requests []string, flags ...string) (string, string) {
		t.Helper()
		script := `trap 'echo "init got TERM" >&2' TERM; "$0" "$@"; true`
		stdout, stderr, code := spawn.Run(t, spawn.Options{}, strings.Join(requests, "\n")+"\n",
			"unshare", append([]string{"--fork", "--pid", "--mount-proc", "bash", "-c", script, binPath}, flags...)...)
		if code != 0 {
			t.Fatalf("unshare: exit %d; stderr %q", code, stderr)
		}
		return stdout, stderr
	}
	refused := func(id int) string {
		return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"error":{"code":-32001,"message":"refused by policy: init","data":{"reason":"init"}}}`, id)
	}
	out, stderr := run(t, []string{
		`{"jsonrpc":"2.0","id":1,"method":"kill","params":[1,"TERM"]}`,
		`{"jsonrpc":"2.0","id":2,"method":"kill","params":[1,"KILL"]}`,
		`{"jsonrpc":"2.0","id":3,"method":"terminate","params":[1]}`,
		`{"jsonrpc":"2.0","id":4,"method":"terminate","params":{"pid":1,"signal":"CONT","escalate":"TERM","timeout_ms":0}}`,
		`{"jsonrpc":"2.0","id":5,"method":"terminate","params":{"pid":1,"tree":true}}`,
		`{"jsonrpc":"2.0","id":6,"method":"kill","params":[1,"NONE"]}`,
	})
	got := answersByID(t, out)
	for id := 1; id <= 5; id++ {
		if got[id] != refused(id) {
			t.Errorf("request %d: %s, want %s", id, got[id], refused(id))
		}
	}
	if want := `{"jsonrpc":"2.0","id":6,"result":true}`; got[6] != want {
		t.Errorf("NONE, the existence probe: %s, want %s", got[6], want)
	}
	if strings.Contains(stderr, "init got TERM") {
		t.Errorf("init got TERM; stderr %q", stderr)
	}

	out, stderr = run(t, []string{`{"jsonrpc":"2.0","id":1,"method":"kill","params":[1,"TERM"]}`}, "--allow-init")
	if want := `{"jsonrpc":"2.0","id":1,"result":true}` + "\n"; out != want || !strings.Contains(stderr, "init got TERM") {
		t.Errorf("--allow-init: %q, stderr %q; want %q and the trap's message", out, stderr, want)
	}
}

// startURGBlocker starts a process in process group pgid (0: a group of
// its own) that blocks URG, so that a URG sent to it stays pending where
// the test can see it. It ends when the test does.
func startURGBlocker(t *testing.T, pgid int) int {
	t.Helper()
	b := spawn.Start(t, spawn.Options{Attr: &syscall.SysProcAttr{Setpgid: true, Pgid: pgid}}, "python3", "-c", `import signal, sys
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGURG})
print("ready", flush=True)
sys.stdin.read()`)
	if line := b.Next(t); line != "ready" {
		t.Fatalf("the URG blocker did not start: %q", line)
	}
	return b.Pid
}

// hasPendingURG reports whether URG is pending for pid.
func hasPendingURG(pid int) bool {
	return spawn.Has(pid, "SigPnd", syscall.SIGURG) || spawn.Has(pid, "ShdPnd", syscall.SIGURG)
}

// TestOwnProcessGroupIsSelf: the helper's own process group, as pid 0 or
// as its id, is refused as self through kill and terminate, with and
// without --allow-groups; a process sharing the group gets nothing. A
// group the test created still gets the URG under --allow-groups, which
// shows the check would see a send.
func TestOwnProcessGroupIsSelf(t *testing.T) {
	needRootAnd(t, "python3")
	for _, flags := range [][]string{nil, {"--allow-groups"}} {
		t.Run(strings.Join(append([]string{"flags"}, flags...), " "), func(t *testing.T) {
			h := spawn.Start(t, spawn.Options{Attr: &syscall.SysProcAttr{Setpgid: true}}, binPath, flags...)
			pgid := h.Pid
			member := startURGBlocker(t, pgid)
			for i, params := range []string{
				`[0,"URG"]`,
				fmt.Sprintf(`[%d,"URG"]`, -pgid),
			} {
				for _, method := range []string{"kill", "terminate"} {
					req := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":%q,"params":%s}`, i, method, params)
					if method == "terminate" {
						req = strings.Replace(req, `"URG"]`, `"URG",0,null]`, 1)
					}
					want := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"error":{"code":-32001,"message":"refused by policy: self","data":{"reason":"self"}}}`, i)
					if got := h.Call(t, req); got != want {
						t.Errorf("%s: %s, want %s", req, got, want)
					}
				}
			}
			if hasPendingURG(member) {
				t.Errorf("the process in the helper's group got URG")
			}
			if flags == nil {
				return
			}
			other := startURGBlocker(t, 0)
			if got := h.Call(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":9,"method":"kill","params":[%d,"URG"]}`, -other)); got != `{"jsonrpc":"2.0","id":9,"result":true}` {
				t.Fatalf("URG to a group the test created: %s", got)
			}
			if !hasPendingURG(other) {
				t.Errorf("the URG sent to a group the test created is not pending: the check cannot see a send")
			}
		})
	}
}

// TestClosedStdioAtStartExitsOne: a stdin or stdout closed at start, or
// /dev/null (which Go's runtime puts in place of a closed one), is exit 1
// with a message, and nothing is served.
func TestClosedStdioAtStartExitsOne(t *testing.T) {
	req := `{"jsonrpc":"2.0","id":1,"method":"signum","params":["TERM"]}`
	for _, c := range []struct{ name, redirect, says string }{
		{"stdout closed", ">&-", "standard output is closed"},
		{"stdout /dev/null", ">/dev/null", "standard output is closed"},
		{"stdin closed", "<&-", "standard input is closed"},
		{"stdin /dev/null", "</dev/null", "standard input is closed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, code := spawn.Run(t, spawn.Options{}, "", "sh", "-c", fmt.Sprintf(`echo '%s' | "$0" %s`, req, c.redirect), binPath)
			if code != exitFailure {
				t.Errorf("exit status %d, want %d", code, exitFailure)
			}
			if stdout != "" || !strings.Contains(stderr, c.says) {
				t.Errorf("stdout %q, stderr %q; want nothing served and %q", stdout, stderr, c.says)
			}
		})
	}
}

// TestStopSignalsLeaveNothingStopped signals the helper in the middle of
// a tree's stop pass, made long by a 300-deep chain under
// --descendants-only (each member's ancestry is proven before its STOP,
// parents first): whatever the signal, and after a second one that ends
// the helper at once, no member is left stopped. SIGHUP (which only
// reopens the audit log) and real-time signal 34 (which Go reserves) are
// ignored: the call goes on, and the helper ends with its input.
func TestStopSignalsLeaveNothingStopped(t *testing.T) {
	t.Parallel()
	const depth = 300
	for _, c := range []struct {
		name      string
		sigs      []syscall.Signal
		ignored   bool // the helper goes on
		cancelled bool // the call is answered ECANCELED
	}{
		{"HUP, which reopens the audit log", []syscall.Signal{syscall.SIGHUP}, true, false},
		{"QUIT", []syscall.Signal{syscall.SIGQUIT}, false, true},
		{"TERM", []syscall.Signal{syscall.SIGTERM}, false, true},
		{"INT then INT", []syscall.Signal{syscall.SIGINT, syscall.SIGINT}, false, false},
		{"RTMIN+1, 35", []syscall.Signal{35}, false, true},
		{"34, which Go reserves", []syscall.Signal{34}, true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			n := nursery.Start(t, nursery.Chain(depth))
			pids := nursery.WaitChain(t, n.Root, depth)
			h := startHelper(t, "--descendants-only")
			h.Send(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"terminate","params":{"pid":%d,"tree":true,"escalate":null,"timeout_ms":0}}`+"\n", n.Root))
			// The stop pass has begun once the root is stopped; the rest
			// of the chain, one proof and one STOP each, takes longer.
			spawn.WaitFor(t, "the stop pass to stop the root", func() bool { return proctest.State(n.Root) == "T" })
			for _, sig := range c.sigs {
				h.Signal(sig)
			}
			if c.ignored {
				h.Stdin.Close()
			}
			if c.cancelled {
				want := `{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"Operation canceled","data":{"errno":"ECANCELED","errnum":125,"reason":"the helper is stopping"}}}`
				if got := h.Next(t); got != want {
					t.Errorf("answer %s, want %s", got, want)
				}
			}
			h.Wait(t)
			spawn.WaitFor(t, "no member to be left stopped", func() bool { return len(nursery.Stopped(pids)) == 0 })
		})
	}
}

// adoptedLaunch is a child subreaper, as a service manager or container
// init is: it starts a victim (a sleep), then a launcher that starts the
// helper and exits before the helper runs, as a client that dies at once
// would. The launcher's child waits until it has been adopted by the
// subreaper, then execs the helper with the flags given ("{launcher}"
// replaced by the launcher's pid) and a kill request (signal argv[2]) for
// the victim, a descendant of the subreaper but not of the launcher. It
// reports "helper-exit STATUS" on fd 3, then kills and reaps the victim
// once its stdin closes.
const adoptedLaunch = `
import ctypes, os, sys, time
binpath, sig, flags = sys.argv[1], sys.argv[2], sys.argv[3:]
if ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) != 0:  # PR_SET_CHILD_SUBREAPER
    sys.exit("prctl: %s" % os.strerror(ctypes.get_errno()))
reaper = os.getpid()
victim = os.fork()
if victim == 0:
    os.execvp("sleep", ["sleep", "30"])
r, w = os.pipe()
os.write(w, ('{"jsonrpc":"2.0","id":1,"method":"kill","params":[%d,"%s"]}\n' % (victim, sig)).encode())
os.close(w)
launcher = os.fork()
if launcher == 0:
    launcher = os.getpid()
    if os.fork() == 0:
        deadline = time.monotonic() + 5
        while os.getppid() != reaper and time.monotonic() < deadline:
            time.sleep(0.001)
        os.dup2(r, 0)
        os.execv(binpath, [binpath] + [f.replace("{launcher}", str(launcher)) for f in flags])
    os._exit(0)
os.close(r)
os.waitpid(launcher, 0)
while True:
    pid, status = os.waitpid(-1, 0)
    if pid != victim:
        os.write(3, ("helper-exit %d\n" % os.waitstatus_to_exitcode(status)).encode())
        break
sys.stdin.read()
os.kill(victim, 9)
os.waitpid(victim, 0)
`

// TestAdoptedHelperRefusesToStart: a helper whose client exited before it
// started, and which a subreaper adopted, refuses to start under
// --descendants-of the client (exit 2), and signals nothing.
// --descendants-only, which can only take its parent at start for the
// client, serves the subreaper's tree instead: what the README says it
// cannot know.
func TestAdoptedHelperRefusesToStart(t *testing.T) {
	needRootAnd(t, "python3")
	run := func(t *testing.T, sig string, flags ...string) (int, string, string) {
		t.Helper()
		p := spawn.Start(t, spawn.Options{Report: true}, "python3", append([]string{"-c", adoptedLaunch, binPath, sig}, flags...)...)
		line := p.Report.Next(t)
		exit := -1
		if _, err := fmt.Sscanf(line, "helper-exit %d", &exit); err != nil {
			t.Fatalf("no report from the subreaper: %q, %v; stderr %q", line, err, p.Stderr)
		}
		ps, stdout := p.Finish(t) // stdout: what the helper wrote
		if !ps.Success() {
			t.Fatalf("the subreaper: %v; stderr %q", ps, p.Stderr)
		}
		return exit, stdout, p.Stderr.String()
	}
	exit, stdout, stderr := run(t, "TERM", "--descendants-of", "{launcher}")
	if exit != exitBadUsage || stdout != "" {
		t.Errorf("--descendants-of: exit status %d, stdout %q; want %d and nothing served", exit, stdout, exitBadUsage)
	}
	for _, want := range []string{"--descendants-of", "adopted", "refusing to start"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q does not say %q", stderr, want)
		}
	}
	exit, stdout, _ = run(t, "NONE", "--descendants-only")
	if exit != exitOK || stdout != `{"jsonrpc":"2.0","id":1,"result":true}`+"\n" {
		t.Errorf("--descendants-only: exit status %d, stdout %q; want it to serve the subreaper's tree", exit, stdout)
	}
}
