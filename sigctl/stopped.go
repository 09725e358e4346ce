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
	held   map[*Process]uint64 // the handle → the order of its STOP
	next   uint64
}

// stop sends STOP through p and adds p to the set, unless the set is
// closed (ErrClosed, and nothing is sent). The caller has checked the
// send. Sending and adding are one step for close: a process is never
// stopped without being in the set.
func (s *stoppedSet) stop(p *Process) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if err := p.Signal(sigStop); err != nil {
		return err
	}
	if s.held == nil {
		s.held = make(map[*Process]uint64)
	}
	s.held[p] = s.next
	s.next++
	return nil
}

// cont sends CONT through p and removes it from the set, if the set holds
// it; if not (close continued it already), it sends nothing. CONT is not
// checked against the policy: it only undoes the set's own STOP, to the
// very process that got it. It returns the error of the send.
func (s *stoppedSet) cont(p *Process) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.held[p]; !ok {
		return nil
	}
	delete(s.held, p)
	return p.Signal(sigCont)
}

// close refuses every later stop and sends CONT to every process in the
// set, the last stopped first (children before parents, as a tree stops
// them), through the handle held. It returns once every CONT has been
// sent.
func (s *stoppedSet) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	held := make([]*Process, 0, len(s.held))
	for p := range s.held {
		held = append(held, p)
	}
	slices.SortFunc(held, func(a, b *Process) int { return cmp.Compare(s.held[b], s.held[a]) })
	for _, p := range held {
		p.Signal(sigCont) // ESRCH: it has gone; nothing is left to continue
	}
	s.held = nil
}

// len returns how many processes the set holds.
func (s *stoppedSet) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.held)
}
