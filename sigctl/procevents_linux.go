package sigctl

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// This file subscribes to the kernel's process events through the netlink
// process connector (include/uapi/linux/connector.h and cn_proc.h), so that
// a process forked by a tree member can be taken for a member even after a
// double fork has reparented it.

// Values and sizes from connector.h and cn_proc.h.
const (
	cnIdxProc         = 1 // CN_IDX_PROC, also the multicast group
	cnValProc         = 1 // CN_VAL_PROC
	procCnMcastListen = 1 // PROC_CN_MCAST_LISTEN
	procCnMcastIgnore = 2 // PROC_CN_MCAST_IGNORE

	procEventNone = 0          // PROC_EVENT_NONE: an acknowledgement
	procEventFork = 1          // PROC_EVENT_FORK
	procEventExit = 0x80000000 // PROC_EVENT_EXIT

	cnMsgLen        = 20 // struct cn_msg: id.idx, id.val, seq, ack (u32); len, flags (u16)
	procEventHdrLen = 16 // struct proc_event up to event_data: what, cpu (u32); timestamp_ns (u64)
)

// procEventsRcvbuf is the receive buffer a subscription asks for, which
// the kernel doubles. It charges a message's whole buffer, about 800
// bytes: room for some 10,000 messages, a fork, an exec and an exit each
// of some 3,000 processes between drains.
const procEventsRcvbuf = 4 << 20

// procEventsAckWait bounds the wait for the kernel's acknowledgement. The
// kernel handles the request, and queues its answer, before sendto
// returns; where none comes, the kernel ignored the request.
const procEventsAckWait = 50 * time.Millisecond

// procEventKind is what a procEvent reports.
type procEventKind int

const (
	procFork procEventKind = iota + 1 // Parent forked Child
	procExit                          // PID exited
)

// procEvent is one process event. A fork reports a new process, never a
// new thread: Child is the new thread group's id, Parent the thread group
// of the child's real parent then (the forking process, or, with
// CLONE_PARENT, the forking process's parent). An exit reports the exit of
// a thread group's leader (pid == tgid); a leader can exit before the
// other threads of its process, which lives until the last one does.
type procEvent struct {
	Kind   procEventKind // procFork or procExit
	Parent int           // procFork: the forking process; procExit: its parent then, 0 if unknown (tgids)
	Child  int           // procFork: the new process (tgid)
	PID    int           // procExit: the process (tgid)
}

// procEvents is a subscription to the kernel's process events. It is not
// safe for concurrent use.
type procEvents struct {
	fd      int
	buf     []byte
	pending []procEvent // events queued before the acknowledgement
	lost    bool        // the kernel dropped events (ENOBUFS) since the subscription
}

// subscribeProcEvents opens a NETLINK_CONNECTOR socket, binds it to the
// CN_IDX_PROC group, sends PROC_CN_MCAST_LISTEN and waits for the kernel's
// acknowledgement. Every fork and exit from then on is queued for drain.
//
// Where the facility is not available the error wraps
// errors.ErrUnsupported: without CAP_NET_ADMIN (EPERM at bind or in the
// acknowledgement), without the connector (EPROTONOSUPPORT), or outside the
// initial user and pid namespaces, where the kernel ignores the request
// without an answer: no acknowledgement is never taken for a subscription.
func subscribeProcEvents() (*procEvents, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_CONNECTOR)
	if err != nil {
		if errors.Is(err, unix.EPROTONOSUPPORT) || errors.Is(err, unix.EAFNOSUPPORT) ||
			errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
			return nil, procEventsUnsupported("socket", AsOSError(err))
		}
		return nil, fmt.Errorf("netlink proc connector: socket: %w", AsOSError(err))
	}
	e := &procEvents{fd: fd, buf: make([]byte, 8192)}
	if err := e.listen(); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return e, nil
}

// procEventsUnsupported is the error for a facility that is not there.
func procEventsUnsupported(op string, err error) error {
	return fmt.Errorf("netlink proc connector: %s: %w (%w)", op, err, errors.ErrUnsupported)
}

// listen makes e's socket a subscriber; see subscribeProcEvents.
func (e *procEvents) listen() error {
	// A larger buffer makes losses under fork storms unlikely; beyond
	// net.core.rmem_max it needs CAP_NET_ADMIN, which the rest needs too.
	if err := unix.SetsockoptInt(e.fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, procEventsRcvbuf); err != nil {
		if err := unix.SetsockoptInt(e.fd, unix.SOL_SOCKET, unix.SO_RCVBUF, procEventsRcvbuf); err != nil {
			return fmt.Errorf("netlink proc connector: setsockopt SO_RCVBUF: %w", AsOSError(err))
		}
	}
	err := unix.Bind(e.fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: 1 << (cnIdxProc - 1)})
	if errors.Is(err, unix.EPERM) {
		return procEventsUnsupported("bind", AsOSError(err))
	}
	if err != nil {
		return fmt.Errorf("netlink proc connector: bind: %w", AsOSError(err))
	}
	// Every subscriber receives every acknowledgement, which carries the
	// request's ack number plus one (its seq is the kernel's own): a
	// random number tells this request's apart.
	ack := rand.Uint32()
	if err := e.send(procCnMcastListen, ack); err != nil {
		return err
	}
	deadline := time.Now().Add(procEventsAckWait)
	for {
		b, err := e.next()
		if err != nil {
			return err
		}
		if e.lost {
			return errors.New("netlink proc connector: events dropped before the acknowledgement")
		}
		if b == nil {
			left := time.Until(deadline)
			if left <= 0 {
				return procEventsUnsupported("PROC_CN_MCAST_LISTEN",
					errors.New("no acknowledgement (outside the initial user and pid namespaces?)"))
			}
			fds := []unix.PollFd{{Fd: int32(e.fd), Events: unix.POLLIN}}
			if _, err := unix.Poll(fds, int(left/time.Millisecond)+1); err != nil && !errors.Is(err, unix.EINTR) {
				return fmt.Errorf("netlink proc connector: poll: %w", AsOSError(err))
			}
			continue
		}
		acked, code := false, uint32(0)
		eachProcMessage(b, func(mack uint32, data []byte) {
			what, d := binary.NativeEndian.Uint32(data), data[procEventHdrLen:]
			if !acked && what == procEventNone && mack == ack+1 && len(d) >= 4 {
				acked, code = true, binary.NativeEndian.Uint32(d)
			} else if ev, ok := decodeProcEvent(data); ok {
				e.pending = append(e.pending, ev) // for drain
			}
		})
		if acked {
			switch errno := unix.Errno(code); {
			case errno == 0:
				return nil
			case errno == unix.EPERM:
				return procEventsUnsupported("PROC_CN_MCAST_LISTEN", AsOSError(errno))
			default:
				return fmt.Errorf("netlink proc connector: PROC_CN_MCAST_LISTEN: %w", AsOSError(errno))
			}
		}
	}
}

// send sends the kernel a PROC_CN_MCAST_* operation.
func (e *procEvents) send(op, ack uint32) error {
	ne := binary.NativeEndian
	msg := make([]byte, unix.NLMSG_HDRLEN+cnMsgLen+4)
	ne.PutUint32(msg[0:], uint32(len(msg))) // nlmsg_len
	ne.PutUint16(msg[4:], unix.NLMSG_DONE)  // nlmsg_type
	// nlmsg_flags, nlmsg_seq, nlmsg_pid: 0
	c := msg[unix.NLMSG_HDRLEN:]
	ne.PutUint32(c[0:], cnIdxProc)
	ne.PutUint32(c[4:], cnValProc)
	ne.PutUint32(c[12:], ack) // seq 0
	ne.PutUint16(c[16:], 4)   // len; flags 0
	ne.PutUint32(c[cnMsgLen:], op)
	if err := unix.Sendto(e.fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("netlink proc connector: sendto: %w", AsOSError(err))
	}
	return nil
}

// next returns the next datagram the kernel sent, without waiting; nil if
// none is queued. It records in e.lost that the kernel dropped some, and
// discards any datagram that another process sent.
func (e *procEvents) next() ([]byte, error) {
	for {
		n, _, flags, from, err := unix.Recvmsg(e.fd, e.buf, nil, unix.MSG_DONTWAIT)
		switch {
		case errors.Is(err, unix.ENOBUFS):
			e.lost = true // the queue overflowed; what is still queued is read on
			continue
		case errors.Is(err, unix.EAGAIN):
			return nil, nil
		case errors.Is(err, unix.EINTR):
			continue
		case err != nil:
			return nil, fmt.Errorf("netlink proc connector: recvmsg: %w", AsOSError(err))
		}
		if nl, ok := from.(*unix.SockaddrNetlink); !ok || nl.Pid != 0 {
			continue // not from the kernel
		}
		if flags&unix.MSG_TRUNC != 0 {
			e.lost = true // cut short to the buffer: never for the kernel's events
			continue
		}
		return e.buf[:n:n], nil
	}
}

// eachProcMessage calls fn with the acknowledgement number and the
// proc_event of each process connector message in datagram b.
func eachProcMessage(b []byte, fn func(ack uint32, data []byte)) {
	ne := binary.NativeEndian
	for len(b) >= unix.NLMSG_HDRLEN {
		n := int(ne.Uint32(b))
		if n < unix.NLMSG_HDRLEN || n > len(b) {
			return
		}
		typ, c := ne.Uint16(b[4:]), b[unix.NLMSG_HDRLEN:n]
		b = b[min((n+unix.NLMSG_ALIGNTO-1)&^(unix.NLMSG_ALIGNTO-1), len(b)):]
		// The connector sends each message as NLMSG_DONE.
		if typ != unix.NLMSG_DONE || len(c) < cnMsgLen ||
			ne.Uint32(c[0:]) != cnIdxProc || ne.Uint32(c[4:]) != cnValProc {
			continue
		}
		data := c[cnMsgLen:]
		if size := int(ne.Uint16(c[16:])); size <= len(data) && size >= procEventHdrLen {
			fn(ne.Uint32(c[12:]), data[:size])
		}
	}
}

// decodeProcEvent decodes a proc_event: a process's fork or exit; false
// for anything else, and for a thread's.
func decodeProcEvent(data []byte) (procEvent, bool) {
	ne := binary.NativeEndian
	what, d := ne.Uint32(data), data[procEventHdrLen:]
	id := func(i int) int { return int(int32(ne.Uint32(d[4*i:]))) }
	switch {
	case what == procEventFork && len(d) >= 16: // parent_pid, parent_tgid, child_pid, child_tgid
		if id(2) != id(3) {
			return procEvent{}, false // a new thread
		}
		return procEvent{Kind: procFork, Parent: id(1), Child: id(3)}, true
	case what == procEventExit && len(d) >= 8: // process_pid, process_tgid, exit_code, exit_signal, parent_pid, parent_tgid
		if id(0) != id(1) {
			return procEvent{}, false // a thread other than the leader
		}
		ev := procEvent{Kind: procExit, PID: id(1)}
		if len(d) >= 24 { // the parent, since Linux 4.17
			ev.Parent = id(5)
		}
		return ev, true
	}
	return procEvent{}, false
}

// drain reads every event queued now, without waiting, and calls fn for
// each fork and exit, in the order the kernel queued them. lost reports
// whether the kernel has dropped events (ENOBUFS) since the subscription,
// this call or an earlier one: once true, it stays true.
func (e *procEvents) drain(fn func(procEvent)) (lost bool, err error) {
	if e.fd < 0 {
		return e.lost, fmt.Errorf("netlink proc connector: drain: %w", os.ErrClosed)
	}
	pending := e.pending
	e.pending = nil
	for _, ev := range pending {
		fn(ev)
	}
	for {
		b, err := e.next()
		if b == nil || err != nil {
			return e.lost, err
		}
		eachProcMessage(b, func(_ uint32, data []byte) {
			if ev, ok := decodeProcEvent(data); ok {
				fn(ev)
			}
		})
	}
}

// Close sends PROC_CN_MCAST_IGNORE (best effort), without which older
// kernels go on counting the subscriber, and closes the socket.
func (e *procEvents) Close() error {
	if e.fd < 0 {
		return fmt.Errorf("netlink proc connector: close: %w", os.ErrClosed)
	}
	e.send(procCnMcastIgnore, 0) // best effort
	err := unix.Close(e.fd)
	e.fd = -1
	if err != nil {
		return fmt.Errorf("netlink proc connector: close: %w", AsOSError(err))
	}
	return nil
}
