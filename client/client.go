// Package client sends UNIX signals through the sigrpc helper.
//
// Start runs the helper (cmd/sigrpc) as a child process and speaks
// JSON-RPC 2.0 to it over its standard input and output, newline-delimited
// (PROTOCOL.md in the repository is the wire contract). The helper checks
// every send against its policy: it never signals every process (pid -1),
// process groups, pid 1 or itself, and with flags such as
// --descendants-only it narrows further.
//
// The methods read like os and syscall: Kill sends a signal to a pid, and
// Process returns a handle pinned to one process by its start time, whose
// Signal, Wait and Terminate never reach a process that reused the pid.
// OS failures match their errno with errors.Is (syscall.ESRCH,
// syscall.EPERM, syscall.EINVAL); a policy refusal is a *RefusedError.
//
// Every method takes a context. When it ends, the call returns at once
// with an error wrapping ctx.Err(); the client stays usable. A request
// already written is carried out by the helper all the same: only its
// answer is abandoned.
//
// A Client is safe for concurrent use by multiple goroutines; calls run
// side by side, matched to their answers by id.
package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sourcegraph/jsonrpc2"
)

// Options configure Start.
type Options struct {
	// Command is the helper's command line: an executable (a path, or a
	// name looked up in PATH) and any arguments to put before the
	// client's own. If empty, Start runs $SIGRPC_BIN if it is set, else
	// "sigrpc" from PATH. A Command or $SIGRPC_BIN that names no
	// executable is an error, never a reason to look further.
	Command []string

	// Args are extra helper flags, such as "--allow-uid=1000".
	// "--descendants-only" is passed as "--descendants-of=PID" with this
	// process's pid, so that a helper adopted by another process refuses
	// to start rather than serve that process's tree.
	Args []string
}

// How long Close lets the helper finish before it kills it, and how long a
// call that met the helper's exit waits for its exit status.
const (
	closeGrace     = 2 * time.Second
	exitStatusWait = time.Second
)

// A Client is a running helper and the connection to it. Close it when
// done.
type Client struct {
	cmd    *exec.Cmd
	conn   *jsonrpc2.Conn
	stdout *os.File // our end of the helper's stdout; the stream's Close closes stdin
	stderr *tail

	// slot is held while a request is written, so that a caller whose
	// ctx ends while it waits to write returns without sending anything.
	slot chan struct{}
	// unanswered counts requests written whose answers have not been
	// read, cancelled calls included: the helper is still busy with them.
	unanswered atomic.Int64

	exited chan struct{}    // closed once the helper has been reaped
	state  *os.ProcessState // the helper's exit status, set before exited closes

	mu     sync.Mutex
	end    *ExitError // what every call returns once the helper is gone or Close was called
	closed bool
}

// Start runs the helper and returns a client for it, once the helper has
// answered a first request. ctx bounds only the start: a helper that has
// not answered when ctx ends is ended, as Close does. Start fails with an
// *ExitError, carrying the helper's exit status and stderr, if the helper
// exits at once (a bad flag, a narrowing that cannot hold), and with an
// error matching exec.ErrNotFound if there is no helper to run (the
// message says where Start looked, and how to install one).
func Start(ctx context.Context, opts Options) (*Client, error) {
	return start(ctx, opts, nil)
}

// start is Start with extra jsonrpc2 connection options (tests record
// requests with them) and a hook that may change the command before it
// runs.
func start(ctx context.Context, opts Options, prepare func(*exec.Cmd), connOpts ...jsonrpc2.ConnOpt) (*Client, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sigrpc: starting the helper: %w", err)
	}
	path, args, err := helperCommand(opts)
	if err != nil {
		return nil, err
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("sigrpc: starting the helper: %w", err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, fmt.Errorf("sigrpc: starting the helper: %w", err)
	}
	c := &Client{
		stdout: outR,
		stderr: &tail{},
		slot:   make(chan struct{}, 1),
		exited: make(chan struct{}),
	}
	c.cmd = exec.Command(path, args...)
	c.cmd.Stdin, c.cmd.Stdout, c.cmd.Stderr = inR, outW, c.stderr
	c.cmd.WaitDelay = time.Second // for stderr held open by anything the helper left behind
	if prepare != nil {
		prepare(c.cmd)
	}
	err = c.cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, fmt.Errorf("sigrpc: starting the helper: %w", err)
	}
	go func() {
		c.cmd.Wait()
		c.state = c.cmd.ProcessState
		close(c.exited)
	}()

	opt := []jsonrpc2.ConnOpt{
		jsonrpc2.SetLogger(log.New(io.Discard, "", 0)),
		jsonrpc2.OnSend(func(req *jsonrpc2.Request, _ *jsonrpc2.Response) {
			if req != nil && !req.Notif {
				c.unanswered.Add(1)
			}
		}),
		jsonrpc2.OnRecv(func(_ *jsonrpc2.Request, resp *jsonrpc2.Response) {
			if resp != nil {
				c.unanswered.Add(-1)
			}
		}),
	}
	// The connection outlives Start's ctx.
	c.conn = jsonrpc2.NewConn(context.Background(),
		jsonrpc2.NewPlainObjectStream(pipes{r: outR, w: inW}), ignoreRequests{},
		append(opt, connOpts...)...)

	// The first request, whose id is 0, also keeps any answer the helper
	// gives with a null id (which jsonrpc2 reads as 0) from meeting a call.
	var n int
	if err := c.do(ctx, "signum", map[string]int{"name": 0}, &n); err != nil {
		c.Close()
		var exit *ExitError
		if errors.As(err, &exit) {
			return nil, err
		}
		return nil, fmt.Errorf("sigrpc: starting the helper: %w", err)
	}
	return c, nil
}

// Pid returns the helper's process id.
func (c *Client) Pid() int { return c.cmd.Process.Pid }

// Close ends every pending call, which then fails with an *ExitError
// (matching ErrHelperExited), and ends the helper: it closes the
// helper's input, sends it SIGTERM if requests were still running (the
// helper cancels them and exits), and kills it if it has not exited
// within 2 seconds. Later calls fail with the same error. Close signals
// nothing but the helper, and returns once it has exited; it always
// returns nil, and calling it again does nothing.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	if c.end == nil {
		c.end = &ExitError{Closed: true}
	}
	c.mu.Unlock()

	busy := c.unanswered.Load() > 0
	c.conn.Close() // fails the pending calls, and closes the helper's stdin
	if busy {
		// Through the os.Process, which uses a pidfd where there is one
		// and sends nothing once the helper has been reaped.
		c.cmd.Process.Signal(syscall.SIGTERM)
	}
	timer := time.NewTimer(closeGrace)
	defer timer.Stop()
	select {
	case <-c.exited:
	case <-timer.C:
		c.cmd.Process.Kill()
		<-c.exited
	}
	c.stdout.Close()
	return nil
}

// Call calls any method of the helper: params, which must encode as a
// JSON object or array (nil, or null, for none), are the request's params,
// and the result is decoded into result (a pointer; nil to discard it).
// Errors are mapped as for the other methods.
func (c *Client) Call(ctx context.Context, method string, params, result any) error {
	if params != nil {
		b, err := json.Marshal(params)
		if err != nil {
			return fmt.Errorf("sigrpc %s: encoding params: %w", method, err)
		}
		switch {
		case string(b) == "null":
			params = nil
		case b[0] == '{' || b[0] == '[':
			params = json.RawMessage(b)
		default: // the helper could not tell which request it answers
			return fmt.Errorf("sigrpc %s: params must be a JSON object or array, not %.20s", method, b)
		}
	}
	return c.do(ctx, method, params, result)
}

// call makes one request and decodes its result as an R.
func call[R any](ctx context.Context, c *Client, method string, params any) (R, error) {
	var r R
	err := c.do(ctx, method, params, &r)
	return r, err
}

// do sends one request and waits for its answer, ctx, or the end of the
// helper.
func (c *Client) do(ctx context.Context, method string, params, result any) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sigrpc %s: not sent: %w", method, err)
	}
	select {
	case c.slot <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("sigrpc %s: not sent: %w", method, ctx.Err())
	case <-c.conn.DisconnectNotify():
		return c.ended(ctx)
	}
	var w jsonrpc2.Waiter
	var err error
	if ctx.Done() == nil {
		w, err = c.conn.DispatchCall(ctx, method, params)
		<-c.slot
	} else {
		// A write blocks only while the helper does not read (it is
		// stopped, say); ctx must still end the call then.
		type sent struct {
			w   jsonrpc2.Waiter
			err error
		}
		done := make(chan sent, 1)
		go func() {
			w, err := c.conn.DispatchCall(ctx, method, params)
			<-c.slot
			done <- sent{w, err}
		}()
		select {
		case s := <-done:
			w, err = s.w, s.err
		case <-ctx.Done():
			return fmt.Errorf("sigrpc %s: no answer (the request may have been sent): %w", method, ctx.Err())
		}
	}
	if err == nil {
		err = w.Wait(ctx, result)
	}
	if err == nil {
		return nil
	}
	var rpcErr *jsonrpc2.Error
	switch {
	case errors.As(err, &rpcErr):
		return mapError(method, rpcErr)
	case errors.Is(err, jsonrpc2.ErrClosed), errors.Is(err, syscall.EPIPE), errors.Is(err, os.ErrClosed):
		return c.ended(ctx) // the connection has ended, or the helper's input with it
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		return fmt.Errorf("sigrpc %s: no answer: %w", method, err)
	}
	c.mu.Lock()
	end := c.end
	c.mu.Unlock()
	if end != nil { // a write cut short by Close
		return end
	}
	return fmt.Errorf("sigrpc %s: %w", method, err)
}

// ended returns the error of a call that met the end of the connection:
// the client was closed, or the helper has exited (its exit status is
// awaited briefly, while ctx lasts).
func (c *Client) ended(ctx context.Context) error {
	c.mu.Lock()
	end := c.end
	c.mu.Unlock()
	if end != nil {
		return end
	}
	timer := time.NewTimer(exitStatusWait)
	defer timer.Stop()
	var state *os.ProcessState
	select {
	case <-c.exited:
		state = c.state
	case <-timer.C:
	case <-ctx.Done(): // not kept: a later call may learn the exit status
		return &ExitError{Stderr: c.stderr.String()}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.end == nil {
		c.end = &ExitError{ProcessState: state, Stderr: c.stderr.String()}
	}
	return c.end
}

// ignoreRequests is the handler for requests from the helper, which sends
// none.
type ignoreRequests struct{}

func (ignoreRequests) Handle(context.Context, *jsonrpc2.Conn, *jsonrpc2.Request) {}

// pipes joins the helper's stdout and stdin into the stream jsonrpc2 reads
// and writes. Closing it closes only stdin, the helper's end of input:
// its answers are still read until it exits.
type pipes struct {
	r *os.File
	w *os.File
}

func (p pipes) Read(b []byte) (int, error)  { return p.r.Read(b) }
func (p pipes) Write(b []byte) (int, error) { return p.w.Write(b) }
func (p pipes) Close() error                { return p.w.Close() }

// helperCommand returns the helper to run and its arguments.
func helperCommand(opts Options) (string, []string, error) {
	var path string
	var args []string
	switch env := os.Getenv("SIGRPC_BIN"); {
	case len(opts.Command) > 0:
		found, err := exec.LookPath(opts.Command[0])
		if err != nil {
			return "", nil, &notFoundError{fmt.Sprintf("Options.Command %q", opts.Command[0]), err}
		}
		path, args = found, append(args, opts.Command[1:]...)
	case env != "":
		found, err := exec.LookPath(env)
		if err != nil {
			return "", nil, &notFoundError{fmt.Sprintf("$SIGRPC_BIN=%q", env), err}
		}
		path = found
	default:
		found, err := exec.LookPath("sigrpc")
		if err != nil {
			return "", nil, &notFoundError{"tried $SIGRPC_BIN (not set) and sigrpc in PATH", err}
		}
		path = found
	}
	args = append(args, "--framing", "ndjson")
	for _, a := range opts.Args {
		if a == "--descendants-only" {
			a = "--descendants-of=" + strconv.Itoa(os.Getpid())
		}
		args = append(args, a)
	}
	return path, args, nil
}

// notFoundError reports that there is no helper to run. It matches
// exec.ErrNotFound, and the error that says why (such as fs.ErrNotExist).
type notFoundError struct {
	what string
	err  error
}

func (e *notFoundError) Error() string {
	return "sigrpc: helper not found: " + e.what + ": " + e.err.Error() + "; " + installHint
}

func (e *notFoundError) Unwrap() []error { return []error{e.err, exec.ErrNotFound} }

const installHint = "build the helper (from a clone of the repository: go install ./cmd/sigrpc) " +
	"and put it in PATH, set SIGRPC_BIN to it, or pass Options.Command"

// stderrTail is how much of the helper's stderr an ExitError carries.
const stderrTail = 4096

// tail keeps the last stderrTail bytes written to it.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - stderrTail; over > 0 {
		t.buf = t.buf[:copy(t.buf, t.buf[over:])]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.ToValidUTF8(string(t.buf), "\uFFFD")
}
