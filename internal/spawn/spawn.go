// Package spawn starts the processes tests need (the sigrpc binary, the
// children it signals, the tools that set a scene) in one way: on pipes
// the test holds, with stderr kept, each ended and reaped when the test
// ends. Only tests use it.
//
// A test signals only what it started: a Proc's Signal and the clean-up
// go through the os.Process, which holds the process by a pidfd, so a
// pid reused after the process was reaped is never reached.
package spawn

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sigrpc/sigrpc/internal/proctest"
	"github.com/sigrpc/sigrpc/internal/testio"
)

// WaitLimit is how long Wait waits for a process to exit before it
// kills it and fails the test.
const WaitLimit = 20 * time.Second

// Options says how to start a process. The zero value starts it with a
// pipe on each of stdin and stdout, stderr kept in Proc.Stderr, and, when
// the test ends, stdin closed and the process expected to exit.
type Options struct {
	Attr *syscall.SysProcAttr
	Env  []string // added to the test's environment
	// Stdin and Stdout, if set, replace the pipes; ExtraFiles are fds 3
	// and on. All are handed over: Start closes them in the test once the
	// process has them.
	Stdin, Stdout *os.File
	ExtraFiles    []*os.File
	// Report adds a pipe at fd 3, before ExtraFiles, for the process to
	// report on, line by line: Proc.Report reads it.
	Report bool
	// Kill ends the process with SIGKILL when the test ends, for one that
	// does not end with its input (a sleep).
	Kill bool
}

// Proc is a running process the test started.
type Proc struct {
	*testio.Conn // on its stdin and stdout pipes, when it has them

	Cmd    *exec.Cmd
	Pid    int
	Stdin  *os.File // the test's end of the stdin pipe, or nil
	Stdout *os.File // the test's end of the stdout pipe, or nil
	Stderr *testio.SyncBuffer
	Report *testio.Conn // the reports on fd 3, with Options.Report

	waitOnce sync.Once
	done     chan struct{} // closed once Cmd.Wait has returned
}

// Start starts path with args as o says, and ends it when the test ends:
// it closes stdin and fails the test if the process has not exited 10 s
// later (then kills it), or with o.Kill kills it at once; either way it
// reaps it. Nothing reaps it before that unless the test calls Wait, so
// a child that exits stays a zombie, and its pid stays its own.
func Start(t testing.TB, o Options, path string, args ...string) *Proc {
	t.Helper()
	cmd := exec.Command(path, args...)
	cmd.SysProcAttr = o.Attr
	if len(o.Env) > 0 {
		cmd.Env = append(os.Environ(), o.Env...)
	}
	p := &Proc{Cmd: cmd, Stderr: &testio.SyncBuffer{}, done: make(chan struct{})}
	cmd.Stderr = p.Stderr
	cmd.WaitDelay = 5 * time.Second // for stderr, should a descendant still hold it
	handed := append([]*os.File{o.Stdin, o.Stdout}, o.ExtraFiles...)
	cmd.Stdin, cmd.Stdout, cmd.ExtraFiles = o.Stdin, o.Stdout, o.ExtraFiles
	if o.Report {
		r, w := pipe(t)
		t.Cleanup(func() { r.Close() })
		cmd.ExtraFiles = append([]*os.File{w}, o.ExtraFiles...)
		handed = append(handed, w)
		p.Report = testio.NewConn(nil, r)
	}
	if o.Stdin == nil {
		r, w := pipe(t)
		cmd.Stdin, p.Stdin = r, w
		handed = append(handed, r)
	}
	if o.Stdout == nil {
		r, w := pipe(t)
		cmd.Stdout, p.Stdout = w, r
		handed = append(handed, w)
	}
	err := cmd.Start()
	for _, f := range handed {
		if f != nil {
			f.Close()
		}
	}
	if err != nil {
		p.closePipes()
		t.Fatalf("starting %s: %v", path, err)
	}
	p.Pid = cmd.Process.Pid
	if p.Stdin != nil && p.Stdout != nil {
		p.Conn = testio.NewConn(p.Stdin, p.Stdout)
		p.Conn.Diag = func() string { return fmt.Sprintf("%s's stderr: %q", path, p.Stderr) }
	}
	t.Cleanup(func() { p.end(t, o.Kill) })
	return p
}

func pipe(t testing.TB) (r, w *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	return r, w
}

// end ends the process as Start says, and closes the test's pipe ends.
func (p *Proc) end(t testing.TB, kill bool) {
	defer p.closePipes()
	if kill {
		p.Cmd.Process.Kill()
	} else if p.Stdin != nil {
		p.Stdin.Close()
	}
	select {
	case <-p.Done():
		return
	case <-time.After(10 * time.Second):
	}
	p.Cmd.Process.Kill()
	<-p.Done()
	if !kill {
		t.Errorf("%s did not exit within 10 s of its stdin closing; stderr %q", p.Cmd.Path, p.Stderr)
	}
}

func (p *Proc) closePipes() {
	for _, f := range []*os.File{p.Stdin, p.Stdout} {
		if f != nil {
			f.Close()
		}
	}
}

// Done returns a channel closed once the process has exited and been
// reaped. Calling it starts the reaping.
func (p *Proc) Done() <-chan struct{} {
	p.waitOnce.Do(func() {
		go func() {
			p.Cmd.Wait()
			close(p.done)
		}()
	})
	return p.done
}

// Wait waits for the process to exit, reaps it and returns how it ended.
// After WaitLimit it kills the process and fails the test.
func (p *Proc) Wait(t testing.TB) *os.ProcessState {
	t.Helper()
	select {
	case <-p.Done():
	case <-time.After(WaitLimit):
		p.Cmd.Process.Kill()
		<-p.Done()
		t.Fatalf("%s did not exit within %v; stderr %q", p.Cmd.Path, WaitLimit, p.Stderr)
	}
	return p.Cmd.ProcessState
}

// Signal sends sig to the process, unless it has been reaped.
func (p *Proc) Signal(sig os.Signal) error { return p.Cmd.Process.Signal(sig) }

// TerminatedBy reaps the process and returns the signal that ended it,
// failing the test if it exited without one.
func (p *Proc) TerminatedBy(t testing.TB) syscall.Signal {
	t.Helper()
	ps := p.Wait(t)
	ws, ok := ps.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() {
		t.Fatalf("%s (%d) exited without a signal: %v", p.Cmd.Path, p.Pid, ps)
	}
	return ws.Signal()
}

// Finish closes the process's stdin, waits for it to exit, and returns
// how it ended and what it wrote to stdout that the test has not read
// (call it before Next, not after).
func (p *Proc) Finish(t testing.TB) (*os.ProcessState, string) {
	t.Helper()
	if p.Stdin != nil {
		p.Stdin.Close()
	}
	return p.collect(t)
}

// collect reads stdout to its end while it waits for the process.
func (p *Proc) collect(t testing.TB) (*os.ProcessState, string) {
	t.Helper()
	var out strings.Builder
	read := make(chan struct{})
	go func() {
		defer close(read)
		if p.Stdout != nil {
			io.Copy(&out, p.R)
		}
	}()
	ps := p.Wait(t)
	select {
	case <-read:
	case <-time.After(WaitLimit):
		t.Fatalf("%s exited, but its stdout is still open", p.Cmd.Path)
	}
	return ps, out.String()
}

// Run starts path with args as Start does, writes input to its stdin,
// closes it, and waits for the process to exit. It returns what the
// process wrote to stdout and to stderr, and its exit code (-1 if a
// signal ended it).
func Run(t testing.TB, o Options, input, path string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	p := Start(t, o, path, args...)
	if p.Stdin != nil {
		go func() {
			io.WriteString(p.Stdin, input)
			p.Stdin.Close()
		}()
	}
	ps, out := p.collect(t)
	return out, p.Stderr.String(), ps.ExitCode()
}

// Script starts sh -c script, with core dumps off, and returns once sh has
// exec'd sleep, which script must end by doing, and sleep is asleep; with
// attr, if not nil. It kills the sleep when the test ends.
func Script(t testing.TB, attr *syscall.SysProcAttr, script string) *Proc {
	t.Helper()
	p := Start(t, Options{Attr: attr, Kill: true}, "sh", "-c", "ulimit -c 0; "+script)
	// Until sh has exec'd sleep, a signal would reach sh.
	WaitFor(t, "the child to exec sleep", func() bool {
		return proctest.Comm(p.Pid) == "sleep" && proctest.State(p.Pid) == "S"
	})
	return p
}

// WaitFor polls cond every millisecond until it holds, failing the test
// after 10 s.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// Sleep starts a long sleep (see Script); with setsid it leads a session
// and a process group of its own.
func Sleep(t testing.TB, setsid bool) *Proc {
	t.Helper()
	return Script(t, &syscall.SysProcAttr{Setsid: setsid}, "exec sleep 1000")
}

// AbsentPID is a pid no process can have: Linux allocates pids below
// pid_max, which is at most 4194304 (PID_MAX_LIMIT), so a signal to it
// reaches nothing and fails with ESRCH. Tests use it where a process
// that has gone is wanted: a pid that was reaped could be given to
// someone else's process before the test signals it.
const AbsentPID = 4194304 + 1000
