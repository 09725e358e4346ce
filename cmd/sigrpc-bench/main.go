// Command sigrpc-bench measures sigrpc against the physical floor. It
// prints one table: a pipe echo fixture (the floor), a hand-rolled
// bufio + encoding/json loop fixture, and sigrpc in both framings, each
// measured in the same run, several rounds, medians with their spread.
// The floor is measured in both framings, and every row shows its ratio to
// the floor's row of the same kind and framing.
//
// One request in flight is measured three ways: with the driver reading the
// target's stdout in blocking mode, where the kernel wakes the reader
// directly; in blocking mode after watching the pipe for the spin window,
// as the Python client does ("watched" rows), where an answer that comes
// within the window wakes no one; and through Go's netpoller, as os/exec
// pipes are read by default ("netpoll" rows), where a reader that has
// parked pays a wake-up of its own.
//
// Every fixture, like sigrpc, watches its input for the same -spin window
// before it sleeps (sigrpc's default unless -spin says otherwise), and
// rows marked --spin=0 show the echo and sigrpc sleeping at once.
//
// Usage: sigrpc-bench [-sigrpc bin/sigrpc] [-rounds 3] [-spin 50µs] [-quick]
// With -fixture echo|loop it runs as that fixture instead; with -spincpu D
// it measures sigrpc's CPU share at three request rates for each --spin,
// D each; with -coldstart -echo1 LINEECHO it prints the cold-start table
// instead: -runs one-shot runs of sigrpc, of lineecho (./lineecho, the
// least a Go program can do with a request), of /bin/kill and of another
// build of sigrpc (-compare, if given), then the CPU per request at one
// request a millisecond (-requests of them, -rounds times) of sigrpc and
// of lineecho.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/sigrpc/sigrpc/internal/spinread"
)

func main() {
	fixture := flag.String("fixture", "", "run as a fixture: echo or loop")
	work := flag.Duration("work", 0, "with -fixture echo: spin this long before each answer")
	spin := flag.Duration("spin", spinread.DefaultWindow, "watch stdin this long before sleeping on it, in the fixtures as in sigrpc (--spin)")
	bin := flag.String("sigrpc", "bin/sigrpc", "the sigrpc binary to measure")
	rounds := flag.Int("rounds", 3, "rounds per measurement")
	quick := flag.Bool("quick", false, "fewer requests per round (for a smoke run)")
	spinFor := flag.Duration("spincpu", 0, "instead of the table, measure sigrpc's CPU at three request rates for each --spin, this long each")
	cold := flag.Bool("coldstart", false, "instead of the table, print the cold-start table (needs -echo1)")
	echo1 := flag.String("echo1", "", "with -coldstart: the lineecho binary, built as sigrpc is")
	runs := flag.Int("runs", 301, "with -coldstart: one-shot runs of each command")
	requests := flag.Int("requests", 2000, "with -coldstart: isolated requests per round, one a millisecond")
	compare := flag.String("compare", "", "with -coldstart: another sigrpc build, whose one-shot runs take turns with the rest")
	flag.Parse()
	if *cold {
		if *echo1 == "" {
			fail(fmt.Errorf("-coldstart needs -echo1 (make bench-coldstart builds it)"))
		}
		if err := coldStart(*bin, *compare, *echo1, *runs, *rounds, *requests); err != nil {
			fail(err)
		}
		return
	}
	if *spinFor > 0 {
		if err := spinCPU(*bin, *spinFor); err != nil {
			fail(err)
		}
		return
	}
	if *fixture != "" {
		if err := runFixture(*fixture, *work, *spin); err != nil {
			fail(err)
		}
		return
	}
	self, err := os.Executable()
	if err != nil {
		fail(err)
	}
	scale := 1
	if *quick {
		scale = 10
	}
	b := &bench{rounds: *rounds, scale: scale, spin: *spin}
	if err := b.run(self, *bin); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "sigrpc-bench:", err)
	os.Exit(1)
}

// bench holds the run's settings and its results.
type bench struct {
	rounds, scale int
	spin          time.Duration // the fixtures' and sigrpc's --spin
	rows          []row
	floor         map[string]float64 // the echo fixture's value per framing and kind
}

// row is one line of the table.
type row struct {
	target, framing, kind, unit string
	s                           summary
	lowerIsBetter               bool
}

func (b *bench) run(self, bin string) error {
	child := exec.Command("sleep", "600") // a live target for kill NONE
	if err := child.Start(); err != nil {
		return err
	}
	defer func() { child.Process.Kill(); child.Wait() }()
	spin := "--spin=" + b.spin.String()
	targets := []target{
		{name: "pipe echo ndjson (floor)", argv: []string{self, "-fixture", "echo", spin}, framing: "ndjson", floor: true},
		{name: "pipe echo lsp (floor)", argv: []string{self, "-fixture", "echo", spin}, framing: "lsp", floor: true},
		{name: "echo + 100 ns of work", argv: []string{self, "-fixture", "echo", "-work", "100ns", spin}, framing: "ndjson", latencyOnly: true},
		{name: "echo + 300 ns of work", argv: []string{self, "-fixture", "echo", "-work", "300ns", spin}, framing: "ndjson", latencyOnly: true},
		{name: "echo, --spin=0", argv: []string{self, "-fixture", "echo", "--spin=0"}, framing: "ndjson", latencyOnly: true},
		{name: "hand-rolled loop", argv: []string{self, "-fixture", "loop", spin}, framing: "ndjson"},
		{name: "sigrpc ndjson", argv: []string{bin, "--framing", "ndjson", spin}, framing: "ndjson"},
		{name: "sigrpc lsp", argv: []string{bin, "--framing", "lsp", spin}, framing: "lsp"},
		{name: "sigrpc ndjson, --spin=0", argv: []string{bin, "--framing", "ndjson", "--spin=0"}, framing: "ndjson", latencyOnly: true},
	}
	signum := []byte(`{"jsonrpc":"2.0","id":1,"method":"signum","params":["TERM"]}`)
	kill := []byte(fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"kill","params":[%d,"NONE"]}`, child.Process.Pid))
	b.floor = map[string]float64{}
	for _, t := range targets {
		if err := b.measure(t, signum, kill); err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
	}
	b.print()
	return nil
}

// measure runs every kind of measurement on t.
func (b *bench) measure(t target, signum, kill []byte) error {
	if err := b.latency(t, signum, kill); err != nil {
		return err
	}
	if t.latencyOnly {
		return nil
	}
	if err := b.throughput(t, signum); err != nil {
		return err
	}
	return b.memoryRows(t, signum)
}

// latency measures round trips with one request in flight, reading in
// each of the driver's modes.
func (b *bench) latency(t target, signum, kill []byte) error {
	n := 20000 / b.scale
	var lat [3]struct{ p50, p99, p50k []float64 }
	for range b.rounds {
		for _, mode := range []readMode{blockingReads, watchedReads, netpollReads} {
			p, err := start(t, mode, b.spin)
			if err != nil {
				return err
			}
			rt, err := roundTrips(p, signum, n)
			if err != nil {
				return err
			}
			rtKill, err := roundTrips(p, kill, n)
			if err != nil {
				return err
			}
			p.stop()
			l := &lat[mode]
			l.p50 = append(l.p50, us(percentile(rt, 0.5)))
			l.p99 = append(l.p99, us(percentile(rt, 0.99)))
			l.p50k = append(l.p50k, us(percentile(rtKill, 0.5)))
		}
	}
	blocking, watched, netpoll := lat[blockingReads], lat[watchedReads], lat[netpollReads]
	b.add(t, "signum 1-in-flight p50", "µs", blocking.p50, true)
	b.add(t, "signum 1-in-flight p99", "µs", blocking.p99, true)
	b.add(t, "kill NONE 1-in-flight p50", "µs", blocking.p50k, true)
	b.add(t, "signum p50, watched", "µs", watched.p50, true)
	b.add(t, "signum p99, watched", "µs", watched.p99, true)
	b.add(t, "kill NONE p50, watched", "µs", watched.p50k, true)
	b.add(t, "signum p50, netpoll", "µs", netpoll.p50, true)
	b.add(t, "kill NONE p50, netpoll", "µs", netpoll.p50k, true)
	return nil
}

// throughput measures pipelined requests, batches and spawning.
func (b *bench) throughput(t target, signum []byte) error {
	rates := map[int][]float64{}
	var batch, spawn []float64
	for range b.rounds {
		p, err := start(t, netpollReads, 0)
		if err != nil {
			return err
		}
		for _, depth := range []int{16, 256, 1024} {
			r, err := pipelined(p, signum, depth, 200000/b.scale)
			if err != nil {
				return err
			}
			rates[depth] = append(rates[depth], r)
		}
		if t.name != "hand-rolled loop" {
			r, err := batched(p, signum, 100, 1000/b.scale)
			if err != nil {
				return err
			}
			batch = append(batch, r)
		}
		p.stop()
		d, err := spawnToFirst(t, signum)
		if err != nil {
			return err
		}
		spawn = append(spawn, us(d))
	}
	for _, depth := range []int{16, 256, 1024} {
		b.add(t, fmt.Sprintf("pipelined %d in flight", depth), "calls/s", rates[depth], false)
	}
	if batch != nil {
		b.add(t, "batches of 100", "calls/s", batch, false)
	}
	b.add(t, "spawn to first response", "µs", spawn, true)
	return nil
}

// memoryRows measures RSS idle and after a million requests.
func (b *bench) memoryRows(t target, signum []byte) error {
	p, err := start(t, netpollReads, 0)
	if err != nil {
		return err
	}
	defer p.stop()
	if _, err := roundTrips(p, signum, 1); err != nil {
		return err
	}
	idle, _ := memory(p.cmd.Process.Pid)
	if _, err := pipelined(p, signum, 256, 1000000/b.scale); err != nil {
		return err
	}
	after, hwm := memory(p.cmd.Process.Pid)
	b.add(t, "RSS idle", "KiB", []float64{float64(idle)}, true)
	b.add(t, "RSS after 1M requests", "KiB", []float64{float64(after)}, true)
	b.add(t, "VmHWM after 1M requests", "KiB", []float64{float64(hwm)}, true)
	return nil
}

// batched sends batches of size requests one batch in flight and returns
// requests per second. For the echo fixture a batch is one long line.
func batched(p *proc, req []byte, size, n int) (float64, error) {
	body := []byte{'['}
	for i := range size {
		if i > 0 {
			body = append(body, ',')
		}
		body = append(body, req...)
	}
	body = append(body, ']')
	t0 := time.Now()
	for range n {
		p.send(body)
		p.w.Flush()
		if _, err := p.recv(); err != nil {
			return 0, err
		}
	}
	return float64(n*size) / time.Since(t0).Seconds(), nil
}

func (b *bench) add(t target, kind, unit string, xs []float64, lower bool) {
	s := summarize(xs)
	if t.floor {
		b.floor[t.framing+" "+kind] = s.median
	}
	b.rows = append(b.rows, row{t.name, t.framing, kind, unit, s, lower})
}

func (b *bench) print() {
	fmt.Printf("sigrpc-bench: %d rounds, medians (min–max); ratio = value / the pipe floor's in the same framing\n", b.rounds)
	fmt.Printf("every target watches its input for --spin=%v before sleeping, unless its row says otherwise\n\n", b.spin)
	fmt.Printf("| %-26s | %-24s | %14s | %-23s | %7s |\n", "measurement", "target", "median", "spread", "ratio")
	fmt.Printf("| %s | %s | %s | %s | %s |\n", dash(26), dash(24), dash(14), dash(23), dash(7))
	for _, kind := range kindsInOrder(b.rows) {
		for _, r := range b.rows {
			if r.kind != kind {
				continue
			}
			ratio := "—"
			if f := b.floor[r.framing+" "+kind]; f > 0 {
				ratio = fmt.Sprintf("%.2fx", r.s.median/f)
			}
			fmt.Printf("| %-26s | %-24s | %14s | %-23s | %7s |\n", kind, r.target,
				num(r.s.median)+" "+r.unit, num(r.s.lo)+"–"+num(r.s.hi), ratio)
		}
	}
}

func kindsInOrder(rows []row) []string {
	var kinds []string
	seen := map[string]bool{}
	for _, r := range rows {
		if !seen[r.kind] {
			seen[r.kind] = true
			kinds = append(kinds, r.kind)
		}
	}
	return kinds
}

func us(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1000 }

func num(x float64) string {
	if x >= 100 {
		return fmt.Sprintf("%.0f", x)
	}
	return fmt.Sprintf("%.1f", x)
}

func dash(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = '-'
	}
	return string(b)
}
