package client

// The client's lifetime: Start, Close with calls pending, the helper
// dying under them, contexts ending. The only processes signalled are
// helpers the clients started (through their os.Process, which never
// reaches another process) and the tests' own children.

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// alive reports whether the test's child cmd still runs (the null signal,
// through its os.Process).
func alive(cmd *exec.Cmd) bool {
	return cmd.ProcessState == nil && cmd.Process.Signal(syscall.Signal(0)) == nil
}

// result waits for a call's error, failing the test after 10 s.
func result(t *testing.T, errs <-chan error) error {
	t.Helper()
	select {
	case err := <-errs:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("the call did not return")
		return nil
	}
}

func TestCloseFailsPendingCalls(t *testing.T) {
	t.Parallel()
	sleeper := startChild(t, "sleep", "60")
	rec := newRecorder()
	c := newClient(t, nil, rec.opt())
	ctx := testCtx(t)
	// The helper catches SIGTERM once a session lasts; a wait with a
	// timeout is answered only once it does.
	if exited, err := c.Wait(ctx, absentPID, time.Millisecond); !exited || err != nil {
		t.Fatalf("Wait on an absent pid: %v, %v", exited, err)
	}
	rec.await(t, "wait")
	errs := make(chan error, 2)
	go func() { _, err := c.Wait(ctx, sleeper.Process.Pid, -1); errs <- err }()
	go func() { _, err := c.Wait(ctx, sleeper.Process.Pid, time.Hour); errs <- err }()
	rec.await(t, "wait")
	rec.await(t, "wait")

	start := time.Now()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		err := result(t, errs)
		var exit *ExitError
		if !errors.Is(err, ErrHelperExited) || !errors.As(err, &exit) || !exit.Closed {
			t.Fatalf("pending Wait: %v, want the helper-exited error of Close", err)
		}
		if !strings.Contains(err.Error(), "helper exited") {
			t.Errorf("the error does not say the helper exited: %v", err)
		}
	}
	if d := time.Since(start); d > closeGrace/2 {
		t.Errorf("Close and the pending calls took %v", d)
	}
	if c.state == nil || c.state.ExitCode() != 0 {
		t.Errorf("the helper's exit: %v; want 0 (SIGTERM cancels its waits)", c.state)
	}
	if _, _, err := c.Signum(ctx, "TERM"); !errors.Is(err, ErrHelperExited) {
		t.Errorf("a call after Close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("Close again: %v", err)
	}
	if !alive(sleeper) {
		t.Error("Close signalled the process waited for")
	}
}

func TestHelperDeathFailsCalls(t *testing.T) {
	t.Parallel()
	sleeper := startChild(t, "sleep", "60")
	rec := newRecorder()
	c := newClient(t, []string{"--log-level", "debug"}, rec.opt())
	ctx := testCtx(t)
	errs := make(chan error, 1)
	go func() { _, err := c.Wait(ctx, sleeper.Process.Pid, -1); errs <- err }()
	rec.await(t, "wait")

	// The helper is this client's child, and runs: kill it through its
	// os.Process, which holds a pidfd where there is one.
	if c.cmd.Process.Pid != c.Pid() {
		t.Fatal("Pid is not the helper's")
	}
	if err := c.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	err := result(t, errs)
	var exit *ExitError
	if !errors.Is(err, ErrHelperExited) || !errors.As(err, &exit) || exit.Closed {
		t.Fatalf("pending Wait: %v, want the helper-exited error", err)
	}
	if exit.ProcessState == nil || exit.ProcessState.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Errorf("exit status %v, want killed by SIGKILL", exit.ProcessState)
	}
	if !strings.Contains(exit.Stderr, "method=signum") || !strings.Contains(err.Error(), "signal: killed") {
		t.Errorf("the error lacks the exit status or the tail of stderr: %v", err)
	}
	if err := c.Kill(ctx, sleeper.Process.Pid, syscall.SIGKILL); !errors.Is(err, ErrHelperExited) {
		t.Errorf("a call after the helper died: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if !alive(sleeper) {
		t.Error("the sleeper was signalled")
	}
}

func TestContextEndsCalls(t *testing.T) {
	t.Parallel()
	sleeper := startChild(t, "sleep", "60")
	pid := sleeper.Process.Pid
	rec := newRecorder()
	c := newClient(t, nil, rec.opt())

	// A pending call returns when its ctx is cancelled; the client goes on.
	ctx, cancel := context.WithCancel(testCtx(t))
	errs := make(chan error, 1)
	go func() { _, err := c.Wait(ctx, pid, -1); errs <- err }()
	rec.await(t, "wait")
	cancel()
	if err := result(t, errs); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Wait: %v", err)
	}
	if n, ok, err := c.Signum(testCtx(t), "TERM"); n != 15 || !ok || err != nil {
		t.Fatalf("Signum after a cancelled call: %v %v %v", n, ok, err)
	}

	// A deadline cuts a wait's request to it: the helper waits no longer.
	rec.take()
	ctx, cancel = context.WithTimeout(testCtx(t), 100*time.Millisecond)
	defer cancel()
	p, err := c.Process(testCtx(t), pid)
	if err != nil {
		t.Fatal(err)
	}
	for _, wait := range []func() (bool, error){
		func() (bool, error) { return c.Wait(ctx, pid, time.Hour) },
		func() (bool, error) { return p.Wait(ctx, time.Hour) },
	} {
		if exited, err := wait(); exited || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Wait past ctx's deadline: %v, %v", exited, err)
		}
	}
	for _, r := range rec.take() {
		var params waitParams
		if r.Method == "wait" && (decodeNumbers(r.Params, &params) != nil || params.TimeoutMs > 100) {
			t.Errorf("a wait request beyond ctx's deadline: %s", r.Params)
		}
	}

	// A ctx that has ended sends nothing.
	ctx, cancel = context.WithCancel(testCtx(t))
	cancel()
	if err := c.Kill(ctx, pid, syscall.SIGKILL); !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "not sent") {
		t.Errorf("Kill with a cancelled ctx: %v", err)
	}
	// Nor does a call whose ctx ends while it waits to write (here, for
	// a write slot this test holds).
	c.slot <- struct{}{}
	ctx, cancel = context.WithTimeout(testCtx(t), 20*time.Millisecond)
	defer cancel()
	err = c.Kill(ctx, pid, syscall.SIGKILL)
	<-c.slot
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "not sent") {
		t.Errorf("Kill waiting to write: %v", err)
	}
	if reqs := rec.take(); len(reqs) != 0 {
		t.Errorf("sent %v", reqs)
	}
	if !alive(sleeper) {
		t.Error("the sleeper was signalled")
	}
}

func TestStartErrors(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "sigrpc")
	_, err := Start(testCtx(t), Options{Command: []string{missing}})
	if !errors.Is(err, exec.ErrNotFound) || !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "go install ./cmd/sigrpc") {
		t.Errorf("a Command that does not exist: %v", err)
	}

	_, err = Start(testCtx(t), Options{Command: []string{helperBin}, Args: []string{"--bogus"}})
	var exit *ExitError
	if !errors.As(err, &exit) || exit.ProcessState.ExitCode() != 2 || !strings.Contains(exit.Stderr, "bogus") {
		t.Errorf("a bad flag: %v", err)
	}

	ctx, cancel := context.WithCancel(testCtx(t))
	cancel()
	if _, err := Start(ctx, Options{Command: []string{helperBin}}); !errors.Is(err, context.Canceled) {
		t.Errorf("Start with a cancelled ctx: %v", err)
	}
}

// TestFindingTheHelper: Options.Command, else $SIGRPC_BIN, else sigrpc in
// PATH; a Command or $SIGRPC_BIN naming nothing is an error.
func TestFindingTheHelper(t *testing.T) {
	dir := t.TempDir()
	onPath := filepath.Join(dir, "sigrpc")
	if err := os.Symlink(helperBin, onPath); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	for _, tc := range []struct {
		env     string
		command []string
		want    string
	}{
		{"", nil, onPath},
		{helperBin, nil, helperBin},
		{filepath.Join(dir, "nothing"), []string{"sigrpc", "--log-level", "debug"}, onPath},
	} {
		t.Setenv("SIGRPC_BIN", tc.env)
		c, err := Start(testCtx(t), Options{Command: tc.command, Args: []string{"--allow-groups"}})
		if err != nil {
			t.Fatalf("SIGRPC_BIN=%q, Command %q: %v", tc.env, tc.command, err)
		}
		want := slices.Concat([]string{tc.want}, tc.command[min(1, len(tc.command)):], []string{"--framing", "ndjson", "--allow-groups"})
		if c.cmd.Path != tc.want || !slices.Equal(c.cmd.Args[1:], want[1:]) {
			t.Errorf("SIGRPC_BIN=%q, Command %q: ran %s %q, want %q", tc.env, tc.command, c.cmd.Path, c.cmd.Args[1:], want)
		}
		c.Close()
	}

	t.Setenv("SIGRPC_BIN", filepath.Join(dir, "nothing"))
	if _, err := Start(testCtx(t), Options{}); !errors.Is(err, exec.ErrNotFound) || !strings.Contains(err.Error(), "$SIGRPC_BIN=") {
		t.Errorf("$SIGRPC_BIN naming nothing (sigrpc is in PATH): %v", err)
	}
	t.Setenv("SIGRPC_BIN", "")
	t.Setenv("PATH", t.TempDir())
	if _, err := Start(testCtx(t), Options{}); !errors.Is(err, exec.ErrNotFound) || !strings.Contains(err.Error(), "$SIGRPC_BIN (not set)") {
		t.Errorf("no helper anywhere: %v", err)
	}
}
