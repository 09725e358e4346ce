package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sigrpc/sigrpc/internal/spinread"
)

// target is a program the driver measures.
type target struct {
	name    string
	argv    []string
	framing string // "ndjson" or "lsp"
	floor   bool   // the pipe floor for its framing
	// latencyOnly limits the measurements to one request in flight.
	latencyOnly bool
}

// proc is a running target with buffered pipes.
type proc struct {
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	w       *bufio.Writer
	r       *bufio.Reader
	framing string
}

// readMode is how the driver reads a target's stdout.
type readMode int

const (
	// netpollReads reads the target's stdout as os/exec sets it up: a
	// non-blocking pipe behind Go's netpoller, whose reader parks its
	// goroutine and is woken through epoll.
	netpollReads readMode = iota
	// blockingReads puts that pipe into blocking mode, so the reader waits
	// in read(2) and the kernel wakes it directly.
	blockingReads
	// watchedReads reads in blocking mode after watching the pipe for the
	// spin window, as the Python client does: an answer that comes within
	// the window costs the driver no wake-up.
	watchedReads
)

// start runs t with its stdout read in the given mode; spin is the window
// of watchedReads.
func start(t target, mode readMode, spin time.Duration) (*proc, error) {
	cmd := exec.Command(t.argv[0], t.argv[1:]...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	var out io.Reader = stdout
	if f, ok := stdout.(*os.File); ok && mode != netpollReads {
		f.Fd() // documented to put the file into blocking mode
		if mode == watchedReads {
			if out, err = spinread.New(f, spin); err != nil {
				return nil, err
			}
		}
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", t.name, err)
	}
	return &proc{cmd: cmd, stdin: stdin, w: bufio.NewWriterSize(stdin, 64<<10),
		r: bufio.NewReaderSize(out, 64<<10), framing: t.framing}, nil
}

func (p *proc) stop() {
	p.stdin.Close()
	p.cmd.Wait()
}

// send queues one framed message; flush writes it.
func (p *proc) send(body []byte) {
	if p.framing == "lsp" {
		fmt.Fprintf(p.w, "Content-Length: %d\r\n\r\n", len(body))
		p.w.Write(body)
		return
	}
	p.w.Write(body)
	p.w.WriteByte('\n')
}

// recv reads one framed response.
func (p *proc) recv() ([]byte, error) {
	if p.framing != "lsp" {
		return p.r.ReadSlice('\n')
	}
	n := 0
	for {
		line, err := p.r.ReadSlice('\n')
		if err != nil {
			return nil, err
		}
		if v, ok := bytes.CutPrefix(line, []byte("Content-Length: ")); ok {
			n, _ = strconv.Atoi(string(bytes.TrimSpace(v)))
		}
		if len(bytes.TrimSpace(line)) == 0 {
			break
		}
	}
	body := make([]byte, n)
	_, err := io.ReadFull(p.r, body)
	return body, err
}

// roundTrips sends n requests one at a time and returns each latency.
func roundTrips(p *proc, req []byte, n int) ([]time.Duration, error) {
	lat := make([]time.Duration, n)
	for i := range lat {
		t0 := time.Now()
		p.send(req)
		p.w.Flush()
		if _, err := p.recv(); err != nil {
			return nil, err
		}
		lat[i] = time.Since(t0)
	}
	return lat, nil
}

// pipelined sends n requests keeping depth in flight and returns calls/s.
func pipelined(p *proc, req []byte, depth, n int) (float64, error) {
	tokens := make(chan struct{}, depth)
	done := make(chan error, 1)
	t0 := time.Now()
	go func() {
		for i := 0; i < n; i++ {
			if _, err := p.recv(); err != nil {
				done <- err
				return
			}
			<-tokens
		}
		done <- nil
	}()
	for i := 0; i < n; i++ {
		select {
		case tokens <- struct{}{}:
		default:
			p.w.Flush() // about to block: let what is queued go
			tokens <- struct{}{}
		}
		p.send(req)
	}
	p.w.Flush()
	if err := <-done; err != nil {
		return 0, err
	}
	return float64(n) / time.Since(t0).Seconds(), nil
}

// spawnToFirst starts t and times until the first response arrives.
func spawnToFirst(t target, req []byte) (time.Duration, error) {
	t0 := time.Now()
	p, err := start(t, netpollReads, 0)
	if err != nil {
		return 0, err
	}
	defer p.stop()
	p.send(req)
	p.w.Flush()
	if _, err := p.recv(); err != nil {
		return 0, err
	}
	return time.Since(t0), nil
}

// memory returns VmRSS and VmHWM of pid in KiB.
func memory(pid int) (rss, hwm int) {
	data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "VmRSS:":
			rss, _ = strconv.Atoi(f[1])
		case "VmHWM:":
			hwm, _ = strconv.Atoi(f[1])
		}
	}
	return rss, hwm
}

// percentile returns the q-quantile of sorted durations.
func percentile(d []time.Duration, q float64) time.Duration {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[int(q*float64(len(d)-1))]
}

// summary is the median and spread of several rounds.
type summary struct{ median, lo, hi float64 }

func summarize(xs []float64) summary {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return summary{median: s[len(s)/2], lo: s[0], hi: s[len(s)-1]}
}
