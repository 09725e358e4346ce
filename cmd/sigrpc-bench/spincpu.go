package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// spinCPU measures the CPU sigrpc spends at three request rates (idle,
// one request every millisecond, one every 100 µs, each sent by a client
// that waits for the answer) for each --spin setting, over d each: the
// table that shows watching never takes more than about a quarter of the
// time.
func spinCPU(bin string, d time.Duration) error {
	fmt.Printf("sigrpc CPU over %v, as a share of one CPU (user + system)\n\n", d)
	fmt.Printf("%-12s %10s %16s %18s\n", "--spin", "idle", "1 request/ms", "1 request/100 µs")
	for _, spin := range []string{"0", "50us", "1ms"} {
		fmt.Printf("%-12s", spin)
		for _, every := range []time.Duration{0, time.Millisecond, 100 * time.Microsecond} {
			share, err := cpuShare(bin, spin, every, d)
			if err != nil {
				return err
			}
			fmt.Printf(" %*s", []int{10, 16, 18}[col(every)], fmt.Sprintf("%.1f%%", 100*share))
		}
		fmt.Println()
	}
	return nil
}

// col is the table column of a request interval.
func col(every time.Duration) int {
	switch every {
	case 0:
		return 0
	case time.Millisecond:
		return 1
	}
	return 2
}

// cpuShare runs sigrpc --spin spin for d, sending one signum request every
// `every` (none if 0) and reading each answer, and returns the CPU time
// it used divided by d.
func cpuShare(bin, spin string, every, d time.Duration) (float64, error) {
	cmd := exec.Command(bin, "--spin", spin)
	in, err := cmd.StdinPipe()
	if err != nil {
		return 0, err
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() { in.Close(); cmd.Wait() }()
	out := bufio.NewReader(outPipe)
	req := `{"jsonrpc":"2.0","id":1,"method":"signum","params":["TERM"]}` + "\n"
	call := func() error {
		if _, err := io.WriteString(in, req); err != nil {
			return err
		}
		_, err := out.ReadString('\n')
		return err
	}
	if err := call(); err != nil { // started
		return 0, err
	}
	cpu0, start := cpuOf(cmd.Process.Pid), time.Now()
	if every == 0 {
		time.Sleep(d)
	}
	for next := start; every > 0 && time.Since(start) < d; {
		if err := call(); err != nil {
			return 0, err
		}
		next = next.Add(every)
		for time.Now().Before(next) { // a sleep would overshoot 100 µs
			if time.Until(next) > 200*time.Microsecond {
				time.Sleep(time.Until(next) - 100*time.Microsecond)
			}
		}
	}
	return float64(cpuOf(cmd.Process.Pid)-cpu0) / float64(time.Since(start)), nil
}

// cpuOf returns the CPU time (user and system) process pid has used.
func cpuOf(pid int) time.Duration {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	utime, _ := strconv.Atoi(fields[11])
	stime, _ := strconv.Atoi(fields[12])
	return time.Duration(utime+stime) * time.Second / 100 // USER_HZ
}
