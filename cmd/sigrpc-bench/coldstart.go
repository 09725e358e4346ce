package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// coldStart prints the cold-start table (-coldstart): what a one-shot run
// costs, whole process, against the least a Go program can do with a
// request (lineecho, the -echo1 binary) and against /bin/kill; then the
// CPU of a request that comes alone, one a millisecond, against lineecho
// serving the same requests. other, if not "", is another build of
// sigrpc, whose one-shot runs take turns with the rest (-compare).
//
// Each binary runs from a copy written with write(2), as pip, npm or cp
// write an installed helper. A binary as Go's linker leaves it, written
// through mmap, starts 5 to 15% slower from the page cache than the same
// bytes written with write(2) (the same page faults, each dearer), which
// would measure how the build wrote the file rather than the program.
func coldStart(bin, other, echo string, runs, rounds, requests int) error {
	req := `{"jsonrpc":"2.0","id":1,"method":"signum","params":["TERM"]}` + "\n"
	fmt.Printf("sigrpc-bench -coldstart: %s against %s; load average %s\n", bin, echo, loadAverage())
	dir, err := os.MkdirTemp("", "sigrpc-coldstart-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	for i, p := range []*string{&bin, &echo, &other} {
		if *p == "" {
			continue
		}
		if *p, err = installCopy(*p, filepath.Join(dir, strconv.Itoa(i), filepath.Base(*p))); err != nil {
			return err
		}
	}
	fmt.Printf("(each binary run from a copy written with write(2), as an install writes it, in %s)\n\n", dir)
	if err := oneShots(bin, other, echo, req, runs); err != nil {
		return err
	}
	fmt.Printf("\nload average %s\n\n", loadAverage())
	if err := isolatedRequests(bin, echo, req, rounds, requests); err != nil {
		return err
	}
	fmt.Printf("\nload average %s\n", loadAverage())
	return nil
}

// installCopy writes the file at src to dst with write(2), as an
// installer does, executable, and returns dst.
func installCopy(src, dst string) (string, error) {
	b, err := os.ReadFile(src)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", err
	}
	return dst, os.WriteFile(dst, b, 0o755)
}

// oneShot is one command the one-shot table runs.
type oneShot struct {
	name  string
	argv  []string
	input string // written to its stdin, which is then closed
	want  string // what it must print
}

// oneShots runs each command runs times, taking turns (each round in
// another order), and prints the medians of each run's wall time (from
// before the fork to the reaping of the process), of its time to first
// output and of its CPU time, with each median's ratio to the first row's.
func oneShots(bin, other, echo, req string, runs int) error {
	answer := `{"jsonrpc":"2.0","id":1,"result":15}` + "\n"
	shots := []oneShot{
		{"minimal Go echo (lineecho)", []string{echo}, req, req},
		{"sigrpc, one-shot signum", []string{bin}, req, answer},
		{"/bin/kill -l TERM", []string{"/bin/kill", "-l", "TERM"}, "", "15\n"},
		{"sigrpc --version (start-up alone)", []string{bin, "--version"}, "", ""},
	}
	if other != "" {
		shots = append(shots, oneShot{"-compare build, one-shot signum", []string{other}, req, answer})
	}
	wall := make([][]float64, len(shots))
	first := make([][]float64, len(shots))
	cpu := make([][]float64, len(shots))
	for _, s := range shots { // warm the page cache, and check each answers
		if _, _, _, err := runOnce(s); err != nil {
			return err
		}
	}
	for i := range runs {
		for k := range shots {
			j := (i + k) % len(shots)
			w, f, c, err := runOnce(shots[j])
			if err != nil {
				return err
			}
			wall[j] = append(wall[j], us(w))
			first[j] = append(first[j], us(f))
			cpu[j] = append(cpu[j], us(c))
		}
	}
	fmt.Printf("One-shot runs: %d of each, taking turns; medians (p25–p75), µs; ratio = median wall time / lineecho's\n\n", runs)
	fmt.Printf("| %-34s | %16s | %11s | %8s | %6s |\n", "run", "wall", "first output", "CPU", "ratio")
	fmt.Printf("| %s | %s | %s | %s | %s |\n", dash(34), dash(16), dash(11), dash(8), dash(6))
	floor := quantile(wall[0], 0.5)
	for j, s := range shots {
		w := quantile(wall[j], 0.5)
		fmt.Printf("| %-34s | %16s | %11.0f | %8.0f | %5.2fx |\n", s.name,
			fmt.Sprintf("%.0f (%.0f–%.0f)", w, quantile(wall[j], 0.25), quantile(wall[j], 0.75)),
			quantile(first[j], 0.5), quantile(cpu[j], 0.5), w/floor)
	}
	return nil
}

// runOnce runs s once, its stdin a pipe holding s.input and then closed,
// its stdout a pipe read to the end, and returns its wall time, the time
// to its first output (its wall time if it printed nothing) and the CPU
// time it used.
func runOnce(s oneShot) (wall, first, cpu time.Duration, err error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		return 0, 0, 0, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return 0, 0, 0, err
	}
	defer outR.Close()
	io.WriteString(inW, s.input) // a few bytes: the pipe takes them at once
	inW.Close()
	cmd := exec.Command(s.argv[0], s.argv[1:]...)
	cmd.Stdin, cmd.Stdout = inR, outW
	start := time.Now()
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		return 0, 0, 0, err
	}
	var out []byte
	buf := make([]byte, 4096)
	for {
		n, rerr := outR.Read(buf)
		if n > 0 && out == nil {
			first = time.Since(start)
		}
		out = append(out, buf[:n]...)
		if rerr != nil {
			break
		}
	}
	err = cmd.Wait()
	wall = time.Since(start)
	if first == 0 {
		first = wall
	}
	if err != nil {
		return 0, 0, 0, fmt.Errorf("%s: %w", strings.Join(s.argv, " "), err)
	}
	if s.want != "" && string(out) != s.want {
		return 0, 0, 0, fmt.Errorf("%s printed %q, want %q", strings.Join(s.argv, " "), out, s.want)
	}
	cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return wall, first, cpu, nil
}

// server is a command the isolated-request table keeps running.
type server struct {
	name string
	argv []string
}

// isolatedRequests measures, rounds times, the CPU time each server spends
// per request when each request comes a millisecond after the last
// answer, on stdin kept open: what a helper that outlives its requests
// costs for one that finds it asleep. It prints the median of the
// rounds, their spread, and the ratio to lineecho's.
func isolatedRequests(bin, echo, req string, rounds, requests int) error {
	servers := []server{
		{"minimal Go echo server (lineecho)", []string{echo}},
		{"sigrpc (--spin 50µs, the default)", []string{bin}},
		{"sigrpc --spin=0", []string{bin, "--spin=0"}},
	}
	per := make([][]float64, len(servers))
	for i := range rounds {
		for k := range servers {
			j := (i + k) % len(servers)
			d, err := cpuPerRequest(servers[j].argv, req, requests, time.Millisecond)
			if err != nil {
				return fmt.Errorf("%s: %w", servers[j].name, err)
			}
			per[j] = append(per[j], us(d))
		}
	}
	fmt.Printf("Isolated requests: %d signum requests, each 1 ms after the last answer, stdin kept open;\n", requests)
	fmt.Printf("the server's CPU time (user + system, every thread) per request; median of %d rounds (min–max)\n\n", rounds)
	fmt.Printf("| %-34s | %18s | %6s |\n", "server", "CPU per request", "ratio")
	fmt.Printf("| %s | %s | %s |\n", dash(34), dash(18), dash(6))
	floor := quantile(per[0], 0.5)
	for j, s := range servers {
		m := quantile(per[j], 0.5)
		fmt.Printf("| %-34s | %18s | %5.2fx |\n", s.name,
			fmt.Sprintf("%.1f µs (%.1f–%.1f)", m, quantile(per[j], 0), quantile(per[j], 1)), m/floor)
	}
	return nil
}

// cpuPerRequest starts argv, sends it one request and reads the answer,
// then sends n more, each interval after the last answer, and returns the
// CPU time the process used for them, divided by n.
func cpuPerRequest(argv []string, req string, n int, interval time.Duration) (time.Duration, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	in, err := cmd.StdinPipe()
	if err != nil {
		return 0, err
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() { in.Close(); cmd.Wait() }()
	out := bufio.NewReader(outPipe)
	call := func() error {
		if _, err := io.WriteString(in, req); err != nil {
			return err
		}
		_, err := out.ReadSlice('\n')
		return err
	}
	if err := call(); err != nil { // started, and at rest
		return 0, err
	}
	time.Sleep(10 * interval)
	pid := cmd.Process.Pid
	cpu0, err := threadsCPU(pid)
	if err != nil {
		return 0, err
	}
	for range n {
		time.Sleep(interval) // from the last answer: a late wake-up never sends two at once
		if err := call(); err != nil {
			return 0, err
		}
	}
	cpu1, err := threadsCPU(pid)
	if err != nil {
		return 0, err
	}
	return (cpu1 - cpu0) / time.Duration(n), nil
}

// threadsCPU returns the CPU time every thread of process pid has used,
// from the scheduler's own count (/proc/PID/task/TID/schedstat, in
// nanoseconds), which /proc/PID/stat rounds to 10 ms.
func threadsCPU(pid int) (time.Duration, error) {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	if err != nil || len(tasks) == 0 {
		return 0, fmt.Errorf("no /proc/%d/task/*/schedstat (a kernel without schedstats?)", pid)
	}
	var total time.Duration
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue // a thread that has exited
		}
		f := bytes.Fields(b)
		if len(f) == 0 {
			continue
		}
		ns, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %q", t, b)
		}
		total += time.Duration(ns)
	}
	return total, nil
}

// quantile returns the q-quantile of xs (nearest rank).
func quantile(xs []float64, q float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[int(q*float64(len(s)-1)+0.5)]
}

// loadAverage returns the 1, 5 and 15 minute load averages.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
