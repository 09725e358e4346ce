package main

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/sigrpc/sigrpc/signal"
)

// runEcho is the pipe floor: every line read is written back at once.
func runEcho(r io.Reader, w io.Writer) {
	in := bufio.NewReaderSize(r, 64<<10)
	out := bufio.NewWriterSize(w, 64<<10)
	for {
		line, err := in.ReadSlice('\n')
		if err != nil {
			out.Flush()
			return
		}
		out.Write(line)
		if in.Buffered() == 0 {
			out.Flush()
		}
	}
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
		n, _ := signal.Parse(name)
		if err := unix.Kill(pid, unix.Signal(n)); err != nil {
			return `,"error":{"code":-32000,"message":"` + err.Error() + `"}}` + "\n"
		}
		return `,"result":true}` + "\n"
	}
	json.Unmarshal(req.Params[0], &name)
	n, _ := signal.Parse(name)
	return `,"result":` + strconv.Itoa(int(n)) + "}\n"
}

// runFixture runs the named fixture on stdin and stdout.
func runFixture(name string) {
	switch name {
	case "echo":
		runEcho(os.Stdin, os.Stdout)
	case "loop":
		runLoop(os.Stdin, os.Stdout)
	}
}
