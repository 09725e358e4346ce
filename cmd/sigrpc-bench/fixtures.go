package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sigrpc/sigrpc/internal/spinread"
	"github.com/sigrpc/sigrpc/sigctl"
)

// runEcho is the pipe floor: whatever arrives is written straight back,
// so it serves either framing (the driver reads back what it framed). With
// work > 0 it first spins for that long, as a server that does that much
// work per request would.
func runEcho(r io.Reader, w io.Writer, work time.Duration) {
	spins := spinsFor(work)
	var sum uint64
	defer runtime.KeepAlive(&sum) // spin's results must not be optimised away
	buf := make([]byte, 64<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			sum += spin(spins)
			if _, werr := w.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// spin does n steps of arithmetic that touch no memory.
func spin(n int) uint64 {
	x := uint64(n)
	for range n {
		x = x*6364136223846793005 + 1442695040888963407
	}
	return x
}

// spinsFor returns how many steps of spin take d on this machine, measured.
func spinsFor(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	const probe = 1 << 22
	t0 := time.Now()
	runtime.KeepAlive(spin(probe))
	return int(float64(probe) * float64(d) / float64(time.Since(t0)))
}

// loopRequest is what the hand-rolled loop understands.
type loopRequest struct {
	ID     json.RawMessage   `json:"id"`
	Method string            `json:"method"`
	Params []json.RawMessage `json:"params"`
}

// runLoop is the hand-rolled fixture: a plain bufio + encoding/json loop
// answering signum and kill, with none of sigrpc's validation.
func runLoop(r io.Reader, w io.Writer) {
	in := bufio.NewReaderSize(r, 64<<10)
	out := bufio.NewWriterSize(w, 64<<10)
	var req loopRequest
	for {
		line, err := in.ReadSlice('\n')
		if err != nil {
			out.Flush()
			return
		}
		req = loopRequest{}
		if json.Unmarshal(line, &req) != nil || len(req.Params) == 0 {
			continue
		}
		out.WriteString(`{"jsonrpc":"2.0","id":`)
		out.Write(req.ID)
		out.WriteString(loopAnswer(req))
		if in.Buffered() == 0 {
			out.Flush()
		}
	}
}

func loopAnswer(req loopRequest) string {
	var name string
	if req.Method == "kill" && len(req.Params) == 2 {
		pid, _ := strconv.Atoi(string(req.Params[0]))
		json.Unmarshal(req.Params[1], &name)
		n, _ := sigctl.Parse(name)
		if err := unix.Kill(pid, unix.Signal(n)); err != nil {
			return `,"error":{"code":-32000,"message":"` + err.Error() + `"}}` + "\n"
		}
		return `,"result":true}` + "\n"
	}
	json.Unmarshal(req.Params[0], &name)
	n, _ := sigctl.Parse(name)
	return `,"result":` + strconv.Itoa(int(n)) + "}\n"
}

// runFixture runs the named fixture on stdin and stdout, watching stdin
// for spin before sleeping on it, as sigrpc does with --spin.
func runFixture(name string, work, spin time.Duration) error {
	in, err := spinread.New(os.Stdin, spin)
	if err != nil {
		return err
	}
	switch name {
	case "echo":
		runEcho(in, os.Stdout, work)
	case "loop":
		runLoop(in, os.Stdout)
	default:
		return fmt.Errorf("no fixture %q (want echo or loop)", name)
	}
	return nil
}
