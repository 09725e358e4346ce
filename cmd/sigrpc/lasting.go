package main

import (
	"io"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sigrpc/sigrpc/rpc"
)

// A session shows that it lasts, and so begins the late start (see
// lateStart), at the first of:
//
//   - a read of stdin that would wait for input: the client waits for an
//     answer, or has nothing to say yet (lastingInput);
//   - the second read of stdin that returns input: more came than one
//     read takes (lastingInput);
//   - a write to stdout that could wait for room: the client is slow to
//     read, or the answers are many (lastingOutput);
//   - a call that can last (see lateCalls).
//
// A one-shot run (`echo '{...}' | sigrpc`) reads its input at once, meets
// its end, and writes an answer that fits: none of these. A session that
// shows none of them is over within one read's worth of instant calls.
// No timer is needed to see any of this: Go's first timer sets up its
// poller and a thread that sleeps in it, which a one-shot run would pay
// for and never use.

// lastingInput is the session's stdin: it calls begin, once, before a read
// that would wait for input, or after the second read that returns some.
// It is an rpc.ReadyReader, and like the reader it wraps has one reader.
type lastingInput struct {
	r     rpc.ReadyReader
	begin func()
	begun bool
	known bool // Ready has just been asked; ready is its answer
	ready bool
	reads int // reads that returned input
}

// Ready reports whether a Read would return at once, as the wrapped
// reader tells it.
func (in *lastingInput) Ready() bool {
	in.ready = in.r.Ready()
	in.known = !in.begun
	return in.ready
}

// Read reads from the wrapped reader, calling begin first if the read
// would wait, or after it if it is the second to return input.
func (in *lastingInput) Read(p []byte) (int, error) {
	if !in.begun {
		ready := in.ready
		if !in.known {
			ready = in.r.Ready()
		}
		in.known = false
		if !ready {
			in.beginNow()
		}
	}
	n, err := in.r.Read(p)
	if !in.begun && n > 0 {
		if in.reads++; in.reads >= 2 {
			in.beginNow()
		}
	}
	return n, err
}

func (in *lastingInput) beginNow() {
	in.begun = true
	in.begin()
}

// atOnce is the most a write to a pipe or socket that poll(2) reports
// writable takes at once on every system sigrpc runs on: Linux reports a
// pipe writable with a page free, the BSDs and macOS with PIPE_BUF (512
// bytes) free.
const atOnce = 512

// lastingOutput is the session's stdout: it calls begin, once, before a
// write that could wait for room, that is one larger than atOnce or one
// to a file that poll(2) does not report writable. Writes may come from
// any goroutine, one at a time.
type lastingOutput struct {
	f     *os.File
	begin func()
	begun atomic.Bool
}

// Write writes p to the file, calling begin first if the write could
// wait.
func (out *lastingOutput) Write(p []byte) (int, error) {
	if !out.begun.Load() && (len(p) > atOnce || !writable(out.f)) {
		out.begun.Store(true)
		out.begin()
	}
	return out.f.Write(p)
}

// SetWriteDeadline sets the file's write deadline, where it has one.
func (out *lastingOutput) SetWriteDeadline(t time.Time) error {
	return out.f.SetWriteDeadline(t)
}

// writable reports whether poll(2) says f takes a write at once. It
// reports false when it cannot tell.
func writable(f *os.File) bool {
	raw, err := f.SyscallConn()
	if err != nil {
		return false
	}
	ok := false
	raw.Control(func(fd uintptr) {
		fds := [1]unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
		n, err := unix.Poll(fds[:], 0)
		ok = err == nil && n > 0 && fds[0].Revents&unix.POLLOUT != 0
	})
	return ok
}

// lastingStdio returns stdin and stdout as the session uses them, calling
// begin once the session shows it lasts; ok is false, and they are
// returned as they are, unless stdin tells whether input is waiting and
// stdout is a file.
func lastingStdio(stdin io.Reader, stdout io.Writer, begin func()) (io.Reader, io.Writer, bool) {
	rr, isReady := stdin.(rpc.ReadyReader)
	f, isFile := stdout.(*os.File)
	if !isReady || !isFile {
		return stdin, stdout, false
	}
	return &lastingInput{r: rr, begin: begin}, &lastingOutput{f: f, begin: begin}, true
}
