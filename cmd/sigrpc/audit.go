package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sigrpc/sigrpc/sigctl"
)

// The audit trail (--audit): one JSON line for every signal the helper
// sends or refuses on its client's behalf, handed over by the
// Controller's Audit seam (sigctl.Record) before the answer to the
// request is written. PROTOCOL.md, section 8, is its contract.

// auditWriteTimeout bounds how long a send waits for its line to be
// written: a write that takes longer (a hung network file system, a pipe
// nobody reads) is a failure of the trail, as a full disk is.
const auditWriteTimeout = time.Second

// The --audit-failure policies.
const (
	auditFailStop     = "stop"     // stop serving, and send nothing more
	auditFailContinue = "continue" // report on stderr, count the lost lines, go on
)

// auditLine is the JSON form of a sigctl.Record, in this field order.
type auditLine struct {
	Time       string `json:"time"`
	Method     string `json:"method"`
	PID        int    `json:"pid"`
	StartTime  string `json:"start_time,omitempty"`
	Comm       string `json:"comm,omitempty"`
	UID        *int   `json:"uid,omitempty"`
	Signal     string `json:"signal"`
	Outcome    string `json:"outcome"`
	Reason     string `json:"reason,omitempty"`
	Errno      string `json:"errno,omitempty"`
	Detail     string `json:"detail,omitempty"`
	Tree       int    `json:"tree,omitempty"`
	Escalation bool   `json:"escalation,omitempty"`
	ClientPID  int    `json:"client_pid"`
	PeerPID    *int   `json:"peer_pid,omitempty"`
	PeerUID    *int   `json:"peer_uid,omitempty"`
	HelperPID  int    `json:"helper_pid"`
}

// auditSession is what every line of a session says of it: the client
// (the helper's parent at start), the peer of a socket on stdin, if it is
// one, and the helper.
type auditSession struct {
	clientPID        int
	peerPID, peerUID *int
	helperPID        int
}

// auditTimeLayout is RFC 3339 with nanoseconds, always nine digits.
const auditTimeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// encodeRecord returns r as one line of the trail, with its newline.
func encodeRecord(r sigctl.Record, s auditSession) []byte {
	l := auditLine{
		Time:       r.Time.UTC().Format(auditTimeLayout),
		Method:     r.Method,
		PID:        r.PID,
		StartTime:  r.StartTime,
		Comm:       r.Comm,
		Signal:     r.Signal.String(),
		Outcome:    r.Outcome,
		Reason:     r.Reason,
		Detail:     r.Detail,
		Tree:       r.Tree,
		Escalation: r.Escalation,
		ClientPID:  s.clientPID,
		PeerPID:    s.peerPID,
		PeerUID:    s.peerUID,
		HelperPID:  s.helperPID,
	}
	if r.UID >= 0 {
		uid := r.UID
		l.UID = &uid
	}
	if r.Errno != 0 {
		l.Errno = unix.ErrnoName(r.Errno)
		if l.Errno == "" {
			l.Errno = fmt.Sprintf("errno %d", int(r.Errno))
		}
	}
	b, err := json.Marshal(l)
	if err != nil { // cannot happen: every field is a string, a number or a bool
		b = fmt.Appendf(nil, `{"time":%q,"outcome":"error","detail":"unencodable record"}`, l.Time)
	}
	return append(b, '\n')
}

// openAuditFile opens path to append lines to it, creating it (mode
// 0600) if need be. It opens it write-only: nothing is ever read from
// it. It refuses a symbolic link as the last component (O_NOFOLLOW), so
// that whoever can write the log's directory cannot point a privileged
// helper's appends at another file, and opens without blocking, so that
// a FIFO nobody reads is an error at once rather than a hang.
func openAuditFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0o600)
	if errors.Is(err, syscall.ELOOP) {
		err = fmt.Errorf("%w (a symbolic link is refused: name the file itself)", err)
	}
	if errors.Is(err, syscall.ENXIO) {
		err = fmt.Errorf("%w (a FIFO with no reader)", err)
	}
	return f, err
}

// auditLog writes the trail, one line per Record, each in one write(2)
// to a file opened with O_APPEND, so that helpers sharing a file never
// interleave their lines. Its Audit is the Controller's seam: it returns
// once the line is written, or fails after auditWriteTimeout.
type auditLog struct {
	path    string // "-": stderr
	stop    bool   // --audit-failure stop
	session auditSession
	onStop  func() // stops the session (stop mode, on the first failure)

	reqs chan auditReq // to the writer
	msgs chan string   // to stderr, by their own goroutine
	quit chan struct{} // closed by Close: the writer returns
	done chan struct{} // closed when the writer and the messenger have returned

	mu      sync.Mutex
	busy    bool  // a write has outlived its timeout and has not returned yet
	failure error // the failure that latched (stop mode), or the last one (continue)
	lost    int   // lines not written
}

// auditReq is one request to the writer: a line to write, or (line nil)
// a reopen.
type auditReq struct {
	line []byte
	done chan error // the write's result; buffered, so the writer never waits
}

// newAuditLog opens path ("-" for stderr) and starts the writer. It
// returns an error if path cannot be opened.
func newAuditLog(path, onFailure string, session auditSession, stderr io.Writer, onStop func()) (*auditLog, error) {
	var out io.Writer = stderr
	var f *os.File
	if path != "-" {
		var err error
		if f, err = openAuditFile(path); err != nil {
			return nil, err
		}
		out = f
	}
	a := &auditLog{
		path:    path,
		stop:    onFailure == auditFailStop,
		session: session,
		onStop:  onStop,
		reqs:    make(chan auditReq),
		msgs:    make(chan string, 64),
		quit:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); a.write(f, out) }()
	go func() { defer wg.Done(); a.tell(stderr) }()
	go func() { wg.Wait(); close(a.done) }()
	return a, nil
}

// write is the writer: it owns the file, writes each line it is handed
// and reopens the file when asked, until quit.
func (a *auditLog) write(f *os.File, out io.Writer) {
	defer func() {
		if f != nil {
			f.Close()
		}
	}()
	partial := false // the last write left part of a line without its newline
	for {
		var req auditReq
		select {
		case <-a.quit:
			return
		case req = <-a.reqs:
		}
		if req.line == nil {
			if f == nil {
				continue // stderr: nothing to reopen
			}
			nf, err := openAuditFile(a.path)
			if err != nil {
				a.say(fmt.Sprintf("sigrpc: audit log %s: reopening on SIGHUP: %v; still writing to the file open before", a.path, err))
				continue
			}
			f.Close()
			f, out, partial = nf, nf, false
			continue
		}
		line := req.line
		if partial {
			// Let the fragment a failed write left stand on a line of its
			// own, so that this line is whole.
			line = append([]byte{'\n'}, line...)
		}
		n, err := out.Write(line)
		partial = err != nil && n > 0 && line[n-1] != '\n'
		// One step for Audit's timeout: a hung write, if this was one,
		// has returned, and its caller either sees its result or has
		// marked the writer busy, which this clears.
		a.mu.Lock()
		a.busy = false
		req.done <- err
		a.mu.Unlock()
	}
}

// tell writes the messages to stderr, on a goroutine of their own so that
// a stderr nobody reads (or a trail on stderr that is stuck) cannot hold
// a send up.
func (a *auditLog) tell(stderr io.Writer) {
	for {
		select {
		case msg := <-a.msgs:
			io.WriteString(stderr, msg+"\n")
		case <-a.quit:
			for {
				select {
				case msg := <-a.msgs:
					io.WriteString(stderr, msg+"\n")
				default:
					return
				}
			}
		}
	}
}

// say queues msg for stderr, or drops it if the queue is full.
func (a *auditLog) say(msg string) {
	select {
	case a.msgs <- msg:
	default:
	}
}

// Audit writes r's line and returns once it is written. A line not
// written within auditWriteTimeout, or whose write fails, is lost: it is
// reported on stderr and counted, and in stop mode Audit then returns
// the error, which makes the Controller send nothing more, and stops the
// session; in continue mode it returns nil. While a write is hung, later
// lines are lost at once rather than each waiting.
func (a *auditLog) Audit(r sigctl.Record) error {
	line := encodeRecord(r, a.session)
	a.mu.Lock()
	switch {
	case a.stop && a.failure != nil:
		a.lost++
		err := a.failure
		a.mu.Unlock()
		return err
	case a.busy:
		a.mu.Unlock()
		return a.fail(line, fmt.Errorf("an earlier write has not finished within %v", auditWriteTimeout))
	}
	a.mu.Unlock()
	done := make(chan error, 1)
	timer := time.NewTimer(auditWriteTimeout)
	defer timer.Stop()
	select {
	case a.reqs <- auditReq{line: line, done: done}:
	case <-timer.C:
		return a.fail(line, fmt.Errorf("another write has not finished within %v", auditWriteTimeout))
	case <-a.quit:
		return a.fail(line, errors.New("the helper is exiting"))
	}
	select {
	case err := <-done:
		return a.written(line, err)
	case <-timer.C:
		a.mu.Lock()
		select {
		case err := <-done: // it finished as the time ran out
			a.mu.Unlock()
			return a.written(line, err)
		default:
			a.busy = true // until the writer returns from the write
		}
		a.mu.Unlock()
		return a.fail(line, fmt.Errorf("a write did not finish within %v", auditWriteTimeout))
	}
}

// written is Audit's answer once the write of line has returned err.
func (a *auditLog) written(line []byte, err error) error {
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is said already
		}
		return a.fail(line, fmt.Errorf("write: %w", err))
	}
	a.recovered()
	return nil
}

// fail counts line as lost to err and reports it, as Audit says.
func (a *auditLog) fail(line []byte, err error) error {
	err = fmt.Errorf("audit log %s: %w", a.path, err)
	a.mu.Lock()
	first := a.failure == nil
	a.failure = err
	a.lost++
	a.mu.Unlock()
	switch {
	case a.stop:
		if first {
			a.say(fmt.Sprintf("sigrpc: %v; the line not written: %s; stopping: sigrpc sends nothing more (--audit-failure stop)", err, line[:len(line)-1]))
			a.onStop()
		}
		return err
	case first:
		a.say(fmt.Sprintf("sigrpc: %v; lines are being lost (--audit-failure continue); the first: %s", err, line[:len(line)-1]))
	}
	return nil
}

// recovered reports, in continue mode, a trail written again after it
// failed.
func (a *auditLog) recovered() {
	a.mu.Lock()
	if a.stop || a.failure == nil {
		a.mu.Unlock()
		return
	}
	lost := a.lost
	a.failure = nil
	a.mu.Unlock()
	a.say(fmt.Sprintf("sigrpc: audit log %s: written again; %d lines lost so far", a.path, lost))
}

// Reopen asks the writer to open the file again by its path, after the
// lines already handed over: SIGHUP, after a rotation. It waits for no
// more than the writer's turn.
func (a *auditLog) Reopen() {
	select {
	case a.reqs <- auditReq{}:
	case <-time.After(auditWriteTimeout):
		a.say(fmt.Sprintf("sigrpc: audit log %s: not reopened on SIGHUP: a write has not finished", a.path))
	case <-a.quit:
	}
}

// Failed reports the failure that stopped the session, in stop mode.
func (a *auditLog) Failed() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.stop {
		return nil
	}
	return a.failure
}

// Close stops the writer (a write that hangs is left to the exit), says
// how many lines were lost, if any, and waits up to auditWriteTimeout for
// stderr to take the messages.
func (a *auditLog) Close() {
	a.mu.Lock()
	lost := a.lost
	a.mu.Unlock()
	if lost > 0 {
		a.say(fmt.Sprintf("sigrpc: audit log %s: %d lines lost in all", a.path, lost))
	}
	close(a.quit)
	select {
	case <-a.done:
	case <-time.After(auditWriteTimeout):
	}
}
