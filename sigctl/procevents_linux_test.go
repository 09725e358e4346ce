package sigctl

import (
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sigrpc/sigrpc/internal/proctest"
)

// subscribeForTest subscribes, or skips the test where the kernel's process
// events are not available (no root, a container); as root on a host,
// where they must be, that is a failure.
func subscribeForTest(t testing.TB) *procEvents {
	t.Helper()
	e, err := subscribeProcEvents()
	switch {
	case errors.Is(err, errors.ErrUnsupported) && !proctest.ForkEventsExpected():
		t.Skipf("process events unavailable: %v", err)
	case err != nil:
		t.Fatalf("subscribeProcEvents: %v", err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// drainUntil drains e, handing each event to fn, until done reports true,
// failing the test after 10 s.
func drainUntil(t *testing.T, e *procEvents, fn func(procEvent), done func() bool) (lost bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		lost, err := e.drain(fn)
		if err != nil {
			t.Fatalf("drain: %v", err)
		}
		if done() {
			return lost
		}
		if time.Now().After(deadline) {
			t.Fatalf("events still missing after 10 s (lost=%v)", lost)
		}
		time.Sleep(time.Millisecond)
	}
}

// runOwn runs a command of the test's own, to its end.
func runOwn(t *testing.T, name string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(name, args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %q: %v\n%s", name, args, err, out)
	}
	return cmd
}

// TestProcEventsForkAndExit: the test forks sh, sh forks a child (sleep)
// and both exit; drain reports the two forks, parent to child by thread
// group, and the two exits, each with its parent.
func TestProcEventsForkAndExit(t *testing.T) {
	e := subscribeForTest(t)
	sh := runOwn(t, "sh", "-c", "sleep 0.01 & wait").Process.Pid
	var events []procEvent
	child := 0 // what sh forked
	seen := func(want procEvent) bool { return slices.Contains(events, want) }
	drainUntil(t, e, func(ev procEvent) {
		events = append(events, ev)
		if ev.Kind == procFork && ev.Parent == sh {
			child = ev.Child
		}
	}, func() bool {
		return seen(procEvent{Kind: procFork, Parent: os.Getpid(), Child: sh}) && child != 0 &&
			seen(procEvent{Kind: procExit, PID: child, Parent: sh}) && seen(procEvent{Kind: procExit, PID: sh, Parent: os.Getpid()})
	})
	// In the kernel's order: each fork before its child's exit, the
	// child's exit before sh's, for which sh waited.
	at := func(want procEvent) int { return slices.Index(events, want) }
	forkSh, forkChild := at(procEvent{Kind: procFork, Parent: os.Getpid(), Child: sh}), at(procEvent{Kind: procFork, Parent: sh, Child: child})
	exitChild, exitSh := at(procEvent{Kind: procExit, PID: child, Parent: sh}), at(procEvent{Kind: procExit, PID: sh, Parent: os.Getpid()})
	if !(forkSh < forkChild && forkChild < exitChild && exitChild < exitSh) {
		t.Errorf("out of order: fork sh %d, fork child %d, exit child %d, exit sh %d", forkSh, forkChild, exitChild, exitSh)
	}
	for _, ev := range events {
		if ev.Kind == procFork && ev.Child == os.Getpid() || ev.Kind == procExit && ev.PID == os.Getpid() {
			t.Errorf("event %+v about the test itself", ev)
		}
	}
}

// TestProcEventsThreadsFiltered: the threads the test starts make fork and
// exit messages that the kernel sends (seen raw), none of which drain
// reports; every fork drain reports names a process.
// Events from the rest of the machine queue up with the test's while it
// waits for its threads, and a busy machine can overflow the queue: the
// test then starts again, and gives up (skips) after three overflows.
func TestProcEventsThreadsFiltered(t *testing.T) {
	for attempt := 1; threadsFilteredLost(t); attempt++ {
		if attempt == 3 {
			t.Skip("the kernel dropped events three times: this machine is too busy to count them")
		}
		t.Logf("attempt %d: the kernel dropped events; again", attempt)
	}
}

// threadsFilteredLost is one attempt of TestProcEventsThreadsFiltered; it
// reports whether events were lost, and checks nothing then.
func threadsFilteredLost(t *testing.T) bool {
	e := subscribeForTest(t)
	// Goroutines locked to their threads at once: the runtime starts new
	// threads for them, and ends each thread when its goroutine returns
	// locked.
	const n = 16
	tids := make(chan int, n)
	release := make(chan struct{})
	for range n {
		go func() {
			runtime.LockOSThread()
			tids <- unix.Gettid()
			<-release
		}()
	}
	var threads []int
	for range n {
		// A goroutine locked to the main thread leaves it wedged, not
		// ended, when it returns.
		if tid := <-tids; tid != os.Getpid() {
			threads = append(threads, tid)
		}
	}
	close(release)
	deadline := time.Now().Add(10 * time.Second)
	for _, tid := range threads {
		for threadAlive(os.Getpid(), tid) {
			if time.Now().After(deadline) {
				t.Fatalf("thread %d still running after 10 s", tid)
			}
			time.Sleep(time.Millisecond)
		}
	}
	// A process forked after every thread's exit; its fork comes after
	// their messages.
	marker := runOwn(t, "true").Process.Pid

	var events []procEvent
	rawThreadForks, rawThreadExits := 0, 0
	done := false
	deadline = time.Now().Add(10 * time.Second)
	for !done {
		b, err := e.next()
		if err != nil {
			t.Fatal(err)
		}
		if b == nil {
			if time.Now().After(deadline) {
				t.Fatal("the marker's fork not seen after 10 s")
			}
			time.Sleep(time.Millisecond)
			continue
		}
		eachProcMessage(b, func(_ uint32, data []byte) {
			what, d := binary.NativeEndian.Uint32(data), data[procEventHdrLen:]
			id := func(i int) int { return int(int32(binary.NativeEndian.Uint32(d[4*i:]))) }
			switch {
			case what == procEventFork && id(3) == os.Getpid() && slices.Contains(threads, id(2)):
				rawThreadForks++
			case what == procEventExit && id(1) == os.Getpid() && slices.Contains(threads, id(0)):
				rawThreadExits++
			}
			if ev, ok := decodeProcEvent(data); ok {
				events = append(events, ev)
				done = done || ev == procEvent{Kind: procFork, Parent: os.Getpid(), Child: marker}
			}
		})
	}
	if e.lost {
		return true
	}
	if rawThreadForks == 0 {
		t.Error("the kernel sent no fork of a new thread: nothing was left out")
	}
	if rawThreadExits == 0 {
		t.Errorf("the kernel sent no exit of the %d threads: nothing was left out", len(threads))
	}
	t.Logf("raw: %d thread forks (threads the runtime had before subscribing make none), %d thread exits; %d events", rawThreadForks, rawThreadExits, len(events))
	for _, ev := range events {
		if ev.Kind == procFork && slices.Contains(threads, ev.Child) || ev.Kind == procExit && slices.Contains(threads, ev.PID) {
			t.Errorf("event %+v names a thread", ev)
		}
		if ev.Kind == procFork {
			if tgid, ok := threadGroup(ev.Child); ok && tgid != ev.Child {
				t.Errorf("fork event %+v: /proc says %d is a thread of %d", ev, ev.Child, tgid)
			}
		}
	}
	return false
}

// threadAlive reports whether thread tid of process pid has not yet been reaped.
func threadAlive(pid, tid int) bool {
	_, err := os.Stat("/proc/" + strconv.Itoa(pid) + "/task/" + strconv.Itoa(tid))
	return err == nil
}

// TestProcEventsLost: a fork storm into a tiny receive buffer loses
// events, which drain reports, and goes on reporting; with the buffer the
// subscription asks for, a smaller storm loses none.
func TestProcEventsLost(t *testing.T) {
	e := subscribeForTest(t)
	sh := runOwn(t, "sh", "-c", "for i in $(seq 200); do /bin/true; done").Process.Pid
	forks := 0
	lost := drainUntil(t, e, func(ev procEvent) {
		if ev.Kind == procFork && ev.Parent == sh {
			forks++
		}
	}, func() bool { return forks >= 200 })
	if lost {
		t.Fatal("200 processes lost events with the full buffer")
	}

	// The smallest buffer the kernel allows: a few events.
	if err := unix.SetsockoptInt(e.fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 0); err != nil {
		t.Fatal(err)
	}
	runOwn(t, "sh", "-c", "for i in $(seq 2000); do /bin/true; done")
	for i := range 2 {
		lost, err := e.drain(func(procEvent) {})
		if err != nil {
			t.Fatal(err)
		}
		if !lost {
			t.Fatalf("drain %d after 2000 processes into a tiny buffer: lost=false", i+1)
		}
	}
}

// TestProcEventsNoLeak: subscribing and closing 1,000 times leaves as many
// descriptors and goroutines as before.
func TestProcEventsNoLeak(t *testing.T) {
	subscribeForTest(t) // skips where unsupported
	fds := func() int {
		names, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Fatal(err)
		}
		return len(names)
	}
	fdsBefore, goroutinesBefore := fds(), runtime.NumGoroutine()
	for range 1000 {
		e, err := subscribeProcEvents()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.drain(func(procEvent) {}); err != nil {
			t.Fatal(err)
		}
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := e.drain(func(procEvent) {}); !errors.Is(err, os.ErrClosed) {
			t.Fatalf("drain after Close: %v, want os.ErrClosed", err)
		}
	}
	if after := fds(); after > fdsBefore {
		t.Errorf("open descriptors: %d before, %d after", fdsBefore, after)
	}
	// None is started; one an earlier test left may end meanwhile.
	if after := runtime.NumGoroutine(); after > goroutinesBefore {
		t.Errorf("goroutines: %d before, %d after", goroutinesBefore, after)
	}
}

// procEventsProbe makes TestProcEventsNamespaces, re-run in a new
// namespace, report what subscribing did there.
const procEventsProbe = "SIGRPC_PROCEVENTS_PROBE"

// TestProcEventsNamespaces: in a new pid namespace the kernel ignores the
// request without an acknowledgement, and in a new user namespace it
// refuses it; either way the subscription is unsupported, never taken.
func TestProcEventsNamespaces(t *testing.T) {
	if os.Getenv(procEventsProbe) == "1" {
		e, err := subscribeProcEvents()
		if err == nil {
			e.Close()
		}
		os.Stdout.WriteString("\nprobe: unsupported=" + strconv.FormatBool(errors.Is(err, errors.ErrUnsupported)) + " err=" + probeErrString(err) + "\n")
		return
	}
	subscribeForTest(t) // skips where unsupported here already
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("needs unshare(1)")
	}
	for _, tc := range []struct {
		name string
		args []string
		want string // in the error
	}{
		{"pid namespace", []string{"--pid", "--fork"}, "no acknowledgement"},
		{"user namespace", []string{"--user", "--map-root-user"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(tc.args, os.Args[0], "-test.run=^TestProcEventsNamespaces$", "-test.count=1", "-test.v")
			cmd := exec.Command("unshare", args...)
			cmd.Env = append(os.Environ(), procEventsProbe+"=1")
			out, err := cmd.CombinedOutput()
			_, probe, found := strings.Cut(string(out), "\nprobe: ")
			if !found {
				t.Skipf("unshare %s: %v\n%s", strings.Join(tc.args, " "), err, out)
			}
			probe, _, _ = strings.Cut(probe, "\n")
			t.Logf("in a new %s: %s", tc.name, probe)
			if !strings.HasPrefix(probe, "unsupported=true ") || !strings.Contains(probe, tc.want) {
				t.Errorf("subscribing in a new %s: %s; want unsupported (%q)", tc.name, probe, tc.want)
			}
		})
	}
}

func probeErrString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// TestProcEventsParse decodes made-up datagrams: several messages in one,
// threads and other kinds left out, short or foreign messages skipped.
func TestProcEventsParse(t *testing.T) {
	ne := binary.NativeEndian
	msg := func(typ uint16, idx, what uint32, ids ...int32) []byte {
		data := make([]byte, procEventHdrLen+4*len(ids))
		ne.PutUint32(data, what)
		for i, id := range ids {
			ne.PutUint32(data[procEventHdrLen+4*i:], uint32(id))
		}
		b := make([]byte, unix.NLMSG_HDRLEN+cnMsgLen+len(data))
		ne.PutUint32(b, uint32(len(b)))
		ne.PutUint16(b[4:], typ)
		c := b[unix.NLMSG_HDRLEN:]
		ne.PutUint32(c, idx)
		ne.PutUint32(c[4:], cnValProc)
		ne.PutUint16(c[16:], uint16(len(data)))
		copy(c[cnMsgLen:], data)
		for len(b)%unix.NLMSG_ALIGNTO != 0 {
			b = append(b, 0)
		}
		return b
	}
	datagram := slices.Concat(
		msg(unix.NLMSG_DONE, cnIdxProc, procEventFork, 10, 10, 11, 11),         // process 10 forked 11
		msg(unix.NLMSG_DONE, cnIdxProc, procEventFork, 10, 10, 12, 10),         // 10 started thread 12
		msg(unix.NLMSG_DONE, cnIdxProc, procEventFork, 1, 1, 13, 13),           // CLONE_PARENT or a thread's fork: tgids
		msg(unix.NLMSG_DONE, cnIdxProc, 2 /* exec */, 11, 11),                  // other kinds
		msg(unix.NLMSG_DONE, cnIdxProc+1, procEventExit, 11, 11, 0, 0, 10, 10), // another connector
		msg(unix.NLMSG_ERROR, cnIdxProc, procEventExit, 11, 11, 0, 0, 10, 10),  // not the connector's type
		msg(unix.NLMSG_DONE, cnIdxProc, procEventExit, 12, 10, 0, 0, 1, 1),     // thread 12 exited
		msg(unix.NLMSG_DONE, cnIdxProc, procEventExit, 11, 11, 0, 17, 10, 10),  // process 11 exited
		msg(unix.NLMSG_DONE, cnIdxProc, procEventFork, 10, 10),                 // too short
		[]byte{8, 0, 0, 0}, // a truncated header ends the datagram
	)
	var got []procEvent
	eachProcMessage(datagram, func(_ uint32, data []byte) {
		if ev, ok := decodeProcEvent(data); ok {
			got = append(got, ev)
		}
	})
	want := []procEvent{
		{Kind: procFork, Parent: 10, Child: 11},
		{Kind: procFork, Parent: 1, Child: 13},
		{Kind: procExit, PID: 11, Parent: 10},
	}
	if !slices.Equal(got, want) {
		t.Errorf("decoded %+v, want %+v", got, want)
	}
}

// BenchmarkProcEventsSubscribe measures what a tree call would add:
// subscribing, a first drain and closing.
func BenchmarkProcEventsSubscribe(b *testing.B) {
	subscribeForTest(b)
	for b.Loop() {
		e, err := subscribeProcEvents()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.drain(func(procEvent) {}); err != nil {
			b.Fatal(err)
		}
		e.Close()
	}
}
