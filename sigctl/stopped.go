package sigctl

import (
	"cmp"
	"slices"
	"sync"

	"golang.org/x/sys/unix"
)

// The signals that stop a process and let it go on.
const (
	sigStop = Signum(unix.SIGSTOP)
	sigCont = Signum(unix.SIGCONT)
)

// ReasonStopping is the reason of the ECANCELED error of a call cut short
// because the helper is stopping: its context was cancelled, or the
// Controller closed.
const ReasonStopping = "the helper is stopping"

// ErrClosed is the error of a call that would have stopped a process
// after Controller.Close began: an *OSError with ECANCELED.
var ErrClosed error = &OSError{Errno: unix.ECANCELED, Reason: ReasonStopping}

// stoppedSet is the set of processes a Controller has stopped and not yet
// continued, each held through the handle the STOP went through, so that
// Controller.Close can continue them whatever the calls that stopped them
// are doing. It is safe for concurrent use. The handles stay the
// callers': a caller removes its handle (cont) before closing it.
type stoppedSet struct {
	mu     sync.Mutex
	closed bool
	held   map[*Process]heldStop // the handle → its STOP
	next   uint64
}

// heldStop is one process a stoppedSet holds stopped.
type heldStop struct {
	order uint64   // the order of its STOP
	note  stopNote // what its CONT's Record says of it
}

// stopNote is what the set keeps of a process it stopped for the Record
// of the CONT that undoes the STOP (see Controller.Audit): its pid, what
// was read of it before the STOP, and the root of its tree.
type stopNote struct {
	pid  int
	info Info
	root int
}

// continued is a process the set continued: the note its STOP left, and
// the error of its CONT.
type continued struct {
	note stopNote
	err  error
}

// stop is stopFor with an empty note.
func (s *stoppedSet) stop(p *Process) error {
	return s.stopFor(p, stopNote{pid: p.pid})
}

// stopFor sends STOP through p and adds p to the set with note, unless
// the set is closed (ErrClosed, and nothing is sent). The caller has
// checked the send. Sending and adding are one step for close: a process
// is never stopped without being in the set.
func (s *stoppedSet) stopFor(p *Process, note stopNote) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if err := p.Signal(sigStop); err != nil {
		return err
	}
	if s.held == nil {
		s.held = make(map[*Process]heldStop)
	}
	s.held[p] = heldStop{s.next, note}
	s.next++
	return nil
}

// cont is contFor, for its error alone.
func (s *stoppedSet) cont(p *Process) error {
	_, _, err := s.contFor(p)
	return err
}

// contFor sends CONT through p and removes it from the set, if the set
// holds it; if not (close continued it already), it sends nothing and
// reports false. CONT is not checked against the policy: it only undoes
// the set's own STOP, to the very process that got it. It returns the
// note the STOP left, whether it sent CONT, and the error of the send.
func (s *stoppedSet) contFor(p *Process) (stopNote, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.held[p]
	if !ok {
		return stopNote{}, false, nil
	}
	delete(s.held, p)
	return h.note, true, p.Signal(sigCont)
}

// close is closeAll, for its effect alone.
func (s *stoppedSet) close() { s.closeAll() }

// closeAll refuses every later stop and sends CONT to every process in
// the set, the last stopped first (children before parents, as a tree
// stops them), through the handle held. It returns once every CONT has
// been sent, with what it continued, in that order.
func (s *stoppedSet) closeAll() []continued {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	held := make([]*Process, 0, len(s.held))
	for p := range s.held {
		held = append(held, p)
	}
	slices.SortFunc(held, func(a, b *Process) int { return cmp.Compare(s.held[b].order, s.held[a].order) })
	done := make([]continued, 0, len(held))
	for _, p := range held {
		err := p.Signal(sigCont) // ESRCH: it has gone; nothing is left to continue
		done = append(done, continued{s.held[p].note, err})
	}
	s.held = nil
	return done
}

// len returns how many processes the set holds.
func (s *stoppedSet) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.held)
}
