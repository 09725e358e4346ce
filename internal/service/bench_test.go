package service

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/sourcegraph/jsonrpc2"

	"github.com/sigrpc/sigrpc/rpc"
	"github.com/sigrpc/sigrpc/sigctl"
)

const signumRequest = `{"jsonrpc":"2.0","id":1,"method":"signum","params":["TERM"]}` + "\n"

// pipePair is a server's stdin and stdout as real OS pipes.
type pipePair struct {
	inR, inW, outR, outW *os.File
}

func newPipePair(b *testing.B) *pipePair {
	inR, inW, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { inW.Close(); outR.Close() })
	return &pipePair{inR, inW, outR, outW}
}

// roundTrips sends one request at a time and reads each response line.
func roundTrips(b *testing.B, p *pipePair) {
	r := bufio.NewReader(p.outR)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := io.WriteString(p.inW, signumRequest); err != nil {
			b.Fatal(err)
		}
		if _, err := r.ReadSlice('\n'); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRoundTripServer is one signum round trip through Server over
// OS pipes, one request in flight.
func BenchmarkRoundTripServer(b *testing.B) {
	p := newPipePair(b)
	srv := rpc.NewServer(Methods(sigctl.NewController(sigctl.Policy{})), rpc.Options{Framing: rpc.FramingNDJSON})
	go srv.Serve(context.Background(), p.inR, p.outW)
	roundTrips(b, p)
}

// BenchmarkRoundTripConn is the same through jsonrpc2.Conn with its plain
// stream and a synchronous handler, for the README's design comparison.
func BenchmarkRoundTripConn(b *testing.B) {
	p := newPipePair(b)
	handler := jsonrpc2.HandlerWithError(func(_ context.Context, _ *jsonrpc2.Conn, req *jsonrpc2.Request) (any, error) {
		var params []string
		if err := json.Unmarshal(*req.Params, &params); err != nil {
			return nil, err
		}
		n, _ := sigctl.Parse(params[0])
		return int(n), nil
	})
	conn := jsonrpc2.NewConn(context.Background(), jsonrpc2.NewPlainObjectStream(readWriteCloser{p.inR, p.outW}), handler)
	b.Cleanup(func() { conn.Close() })
	roundTrips(b, p)
}

// BenchmarkHandleSignum is the server's own cost per request, with no I/O.
func BenchmarkHandleSignum(b *testing.B) {
	input := strings.Repeat(signumRequest, 1000)
	srv := rpc.NewServer(Methods(sigctl.NewController(sigctl.Policy{})), rpc.Options{Framing: rpc.FramingNDJSON})
	b.ReportAllocs()
	for b.Loop() {
		srv.Serve(context.Background(), strings.NewReader(input), io.Discard)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/request")
}

// oneAtATime returns one request per Read, as a pipe does when one
// request is in flight, so that the server flushes after each.
type oneAtATime struct {
	line string
	n    int
}

func (r *oneAtATime) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	r.n--
	return copy(p, r.line), nil
}

// BenchmarkHandleSignumOneByOne is the server's own cost per request when
// each request arrives alone: read, dispatch, one write per response.
func BenchmarkHandleSignumOneByOne(b *testing.B) {
	handleOneByOne(b, signumRequest)
}

// BenchmarkHandleKillOneByOne is the same for kill NONE of a live child,
// whose pidfd the Controller keeps: against BenchmarkHandleSignumOneByOne it
// shows what kill costs beyond signum.
func BenchmarkHandleKillOneByOne(b *testing.B) {
	child := exec.Command("sleep", "600")
	if err := child.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { child.Process.Kill(); child.Wait() })
	handleOneByOne(b, `{"jsonrpc":"2.0","id":1,"method":"kill","params":[`+strconv.Itoa(child.Process.Pid)+`,"NONE"]}`+"\n")
}

// handleOneByOne serves line 1000 times per iteration, one per read.
func handleOneByOne(b *testing.B, line string) {
	controller := sigctl.NewController(sigctl.Policy{})
	defer controller.Close()
	srv := rpc.NewServer(Methods(controller), rpc.Options{Framing: rpc.FramingNDJSON})
	var out strings.Builder
	srv.Serve(context.Background(), &oneAtATime{line: line, n: 1}, &out)
	if strings.Contains(out.String(), "error") {
		b.Fatalf("%s answered %s", line, out.String())
	}
	b.ReportAllocs()
	for b.Loop() {
		srv.Serve(context.Background(), &oneAtATime{line: line, n: 1000}, io.Discard)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/request")
}

type readWriteCloser struct {
	io.Reader
	io.Writer
}

func (readWriteCloser) Close() error { return nil }

// BenchmarkRoundTripEcho is the floor: a goroutine that echoes each line
// back over the same OS pipes, with no JSON at all.
func BenchmarkRoundTripEcho(b *testing.B) {
	p := newPipePair(b)
	go func() {
		r := bufio.NewReader(p.inR)
		for {
			line, err := r.ReadSlice('\n')
			if err != nil {
				return
			}
			p.outW.Write(line)
		}
	}()
	roundTrips(b, p)
}
