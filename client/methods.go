package client

import (
	"context"
	"encoding/json"
	"fmt"
	"syscall"
	"time"
)

// The params of each helper method, as the client sends them (always
// named). Their JSON names are checked against the helper's rpc.discover
// by the tests.
type (
	signumParams struct {
		Name string `json:"name"`
	}
	killParams struct {
		Pid    int `json:"pid"`
		Signal any `json:"signal"` // a number or a name
		// StartTime is a pointer so that a Process always sends its
		// start time, even an empty one, which the helper refuses: an
		// empty start time never turns the guard off.
		StartTime *string `json:"start_time,omitempty"`
	}
	signameParams struct {
		Number     int  `json:"number"`
		ExitStatus bool `json:"exit_status"`
	}
	pidParams struct {
		Pid int `json:"pid"`
	}
	waitParams struct {
		Pid       int   `json:"pid"`
		TimeoutMs int64 `json:"timeout_ms"`
	}
	terminateParams struct {
		Pid               int     `json:"pid"`
		Signal            any     `json:"signal"`
		TimeoutMs         int64   `json:"timeout_ms"`
		Escalate          any     `json:"escalate"` // nil: none
		EscalateTimeoutMs int64   `json:"escalate_timeout_ms"`
		StartTime         *string `json:"start_time,omitempty"`
		Tree              bool    `json:"tree,omitempty"`
	}
	childrenParams struct {
		Pid       int  `json:"pid"`
		Recursive bool `json:"recursive"`
	}
)

// waitResult is the result of the helper's wait.
type waitResult struct {
	Exited bool `json:"exited"`
}

// ProcessInfo is what the system reports about a process (Inspect; Linux).
type ProcessInfo struct {
	Pid   int    `json:"pid"`
	PPid  int    `json:"ppid"`
	Pgid  int    `json:"pgid"`
	Sid   int    `json:"sid"`
	Uid   int    `json:"uid"`   // the real uid
	State string `json:"state"` // one letter, as ps shows it: R, S, D, Z (a zombie), T, ...
	Comm  string `json:"comm"`
	// StartTime is the process's start time in clock ticks since boot,
	// in decimal: with the pid, the process's identity.
	StartTime string `json:"start_time"`
}

// ChildInfo is a child or descendant of a process (Children, Descendants).
type ChildInfo struct {
	Pid       int    `json:"pid"`
	PPid      int    `json:"ppid"`
	StartTime string `json:"start_time"`
	Comm      string `json:"comm"`
}

// Signum returns the number of the signal called name ("TERM", "SIGTERM",
// "term"); ok is false if the helper's platform has no such signal.
func (c *Client) Signum(ctx context.Context, name string) (n int, ok bool, err error) {
	r, err := call[*int](ctx, c, "signum", signumParams{Name: name})
	if err != nil || r == nil {
		return 0, false, err
	}
	return *r, true, nil
}

// Signals returns every signal name the helper's platform knows, with its
// number: {"NONE": 0, "HUP": 1, ...}, without "SIG" and without real-time
// names.
func (c *Client) Signals(ctx context.Context) (map[string]int, error) {
	return call[map[string]int](ctx, c, "signals", nil)
}

// Signame returns the canonical name of signal number (15: "TERM"); ok is
// false if there is none.
func (c *Client) Signame(ctx context.Context, number int) (name string, ok bool, err error) {
	return c.signame(ctx, signameParams{Number: number})
}

// ExitStatusSigname returns the name of the signal a shell's exit status
// reports (143, 128 + 15: "TERM"); ok is false if it reports none.
func (c *Client) ExitStatusSigname(ctx context.Context, status int) (name string, ok bool, err error) {
	return c.signame(ctx, signameParams{Number: status, ExitStatus: true})
}

func (c *Client) signame(ctx context.Context, p signameParams) (string, bool, error) {
	r, err := call[*string](ctx, c, "signame", p)
	if err != nil || r == nil {
		return "", false, err
	}
	return *r, true, nil
}

// Kill sends sig to pid, as syscall.Kill does (0 checks that the process
// exists and may be signalled), once the helper's policy allows it.
// Errors match syscall.ESRCH, EPERM or EINVAL, or are a *RefusedError.
// Kill trusts the pid: Process.Signal never reaches a process that
// reused it.
func (c *Client) Kill(ctx context.Context, pid int, sig syscall.Signal) error {
	return c.kill(ctx, killParams{Pid: pid, Signal: int(sig)})
}

// KillName is Kill with the signal given by name ("TERM", "SIGTERM",
// "term", "RTMIN+1"); an unknown name matches ErrUnknownSignal.
func (c *Client) KillName(ctx context.Context, pid int, name string) error {
	return c.kill(ctx, killParams{Pid: pid, Signal: name})
}

func (c *Client) kill(ctx context.Context, p killParams) error {
	_, err := call[bool](ctx, c, "kill", p)
	return err
}

// Inspect returns what the system reports about pid (Linux). It fails
// with syscall.ESRCH if there is no such process.
func (c *Client) Inspect(ctx context.Context, pid int) (ProcessInfo, error) {
	return call[ProcessInfo](ctx, c, "inspect", pidParams{Pid: pid})
}

// Wait reports whether pid has terminated (a zombie counts, and so does a
// pid without a process) within timeout: 0 checks once, and a negative
// timeout waits until it terminates or ctx ends. It works for any
// process, not only children. A long wait is a series of requests, each
// pinning whatever process has the pid when it starts (Process.Wait
// checks the identity before each).
//
// A request cut short by ctx runs on in the helper until its own
// timeout, at most a minute, or ctx's deadline if ctx has one.
func (c *Client) Wait(ctx context.Context, pid int, timeout time.Duration) (bool, error) {
	return c.wait(ctx, pid, timeout, nil)
}

// waitRequest is the longest wait one request makes.
const waitRequest = time.Minute

// wait waits as Wait says, in requests of at most waitRequest, each cut
// to ctx's deadline. Before each request, gone (if not nil) may end the
// wait, reporting that the process waited for has gone.
func (c *Client) wait(ctx context.Context, pid int, timeout time.Duration, gone func(context.Context) (bool, error)) (bool, error) {
	start := time.Now()
	for first := true; ; first = false {
		if gone != nil {
			g, err := gone(ctx)
			if err != nil || g {
				return g, err
			}
		}
		d := waitRequest
		if timeout >= 0 {
			left := timeout - time.Since(start)
			if left <= 0 && !first {
				return false, nil
			}
			d = min(d, max(left, 0))
		}
		cut := false
		if deadline, ok := ctx.Deadline(); ok {
			if left := time.Until(deadline); left < d {
				d, cut = max(left, 0), true
			}
		}
		r, err := call[waitResult](ctx, c, "wait", waitParams{Pid: pid, TimeoutMs: millis(d)})
		if err != nil || r.Exited {
			return r.Exited, err
		}
		if cut { // the helper waited until ctx's deadline
			return false, fmt.Errorf("sigrpc wait: no answer: %w", context.DeadlineExceeded)
		}
	}
}

// TerminateOptions configure Terminate. The zero value sends SIGTERM,
// waits up to 5 seconds, then sends SIGKILL and waits up to 1 second.
type TerminateOptions struct {
	Signal   syscall.Signal // the first signal; 0 means SIGTERM
	Escalate syscall.Signal // the second signal; 0 means SIGKILL
	// NoEscalate sends no second signal.
	NoEscalate bool
	// Timeout is how long to wait after Signal: 0 means 5 seconds, and a
	// negative one does not wait. At most a day; rounded up to whole
	// milliseconds.
	Timeout time.Duration
	// EscalateTimeout is how long to wait after Escalate: 0 means 1
	// second, and a negative one does not wait.
	EscalateTimeout time.Duration
	// Tree acts on the whole tree rooted at the process (Linux): the
	// helper stops it growing, signals every member, continues them,
	// waits, and escalates the survivors. Nothing is left stopped.
	Tree bool
}

func (o TerminateOptions) params(pid int, startTime *string) terminateParams {
	p := terminateParams{
		Pid:               pid,
		Signal:            "TERM",
		TimeoutMs:         5000,
		Escalate:          "KILL",
		EscalateTimeoutMs: 1000,
		StartTime:         startTime,
		Tree:              o.Tree,
	}
	if o.Signal != 0 {
		p.Signal = int(o.Signal)
	}
	if o.Timeout != 0 {
		p.TimeoutMs = millis(o.Timeout)
	}
	if o.NoEscalate {
		p.Escalate = nil
	} else if o.Escalate != 0 {
		p.Escalate = int(o.Escalate)
	}
	if o.EscalateTimeout != 0 {
		p.EscalateTimeoutMs = millis(o.EscalateTimeout)
	}
	return p
}

// TreeMethod is how Terminate with Tree found the tree's members.
type TreeMethod string

const (
	// TreeForkEvents: the kernel's fork events (root, or CAP_NET_ADMIN,
	// in the initial namespaces); no process forked during the call
	// escapes.
	TreeForkEvents TreeMethod = "fork-events"
	// TreeListing: repeated listings, which miss a double fork.
	TreeListing TreeMethod = "listing"
)

// Termination is the outcome of Terminate.
type Termination struct {
	Exited    bool          `json:"exited"`            // the process (with Tree, every member) has terminated
	Escalated bool          `json:"escalated"`         // the escalation signal was delivered
	Refused   string        `json:"refused,omitempty"` // why the policy refused the escalation; "" if it did not
	Elapsed   time.Duration `json:"elapsed_ms"`        // how long the helper took, to the millisecond
	// With Tree only: Complete reports that no process forked during the
	// call can have escaped the tree; Method is how the members were
	// found; Members lists them, parents first.
	Complete bool         `json:"complete,omitempty"`
	Method   TreeMethod   `json:"method,omitempty"`
	Members  []TreeMember `json:"members,omitempty"`
}

// TreeMember is one process of a tree that Terminate acted on.
type TreeMember struct {
	Pid       int    `json:"pid"`
	StartTime string `json:"start_time"`
	Exited    bool   `json:"exited"`            // it has terminated
	Escalated bool   `json:"escalated"`         // the escalation signal was sent to it
	Refused   string `json:"refused,omitempty"` // why the policy refused to signal it; "" if it did not
}

// terminationJSON is Termination as the helper writes it: Elapsed in
// milliseconds.
type terminationJSON struct {
	*plainTermination
	ElapsedMs int64 `json:"elapsed_ms"`
}

type plainTermination Termination

// UnmarshalJSON decodes the helper's terminate result.
func (t *Termination) UnmarshalJSON(data []byte) error {
	w := terminationJSON{plainTermination: (*plainTermination)(t)}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	t.Elapsed = time.Duration(w.ElapsedMs) * time.Millisecond
	return nil
}

// MarshalJSON encodes t as the helper writes it.
func (t Termination) MarshalJSON() ([]byte, error) {
	return json.Marshal(terminationJSON{(*plainTermination)(&t), t.Elapsed.Milliseconds()})
}

// Terminate sends a signal to pid, waits for it to terminate, and
// escalates if it has not (see TerminateOptions); every signal goes
// through one process handle, each checked by the policy. If ctx ends
// first, the helper carries on. Process.Terminate never reaches a process
// that reused the pid.
func (c *Client) Terminate(ctx context.Context, pid int, opts TerminateOptions) (Termination, error) {
	return call[Termination](ctx, c, "terminate", opts.params(pid, nil))
}

// Children returns the children of pid, oldest first, each verified
// through a pidfd (Linux).
func (c *Client) Children(ctx context.Context, pid int) ([]ChildInfo, error) {
	return call[[]ChildInfo](ctx, c, "children", childrenParams{Pid: pid})
}

// Descendants returns every descendant of pid, parents first, siblings
// oldest first (Linux).
func (c *Client) Descendants(ctx context.Context, pid int) ([]ChildInfo, error) {
	return call[[]ChildInfo](ctx, c, "children", childrenParams{Pid: pid, Recursive: true})
}

// millis returns d in whole milliseconds, rounded up; 0 if d is negative.
func millis(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	ms := d / time.Millisecond
	if d%time.Millisecond != 0 {
		ms++
	}
	return int64(ms)
}
