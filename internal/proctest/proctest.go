// Package proctest reads what tests need to know about processes from
// /proc (Linux): their state, parent, name, children and counters. It
// never signals anything. Every function answers for a process that is
// gone with a zero value.
package proctest

import (
	"bytes"
	"os"
	"strconv"
	"strings"
)

// Stat returns the fields of /proc/<pid>/stat after the command name, the
// state first; nil if pid is gone.
func Stat(pid int) []string {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	return strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
}

// State returns the state letter of pid (R, S, T, Z, ...), "" if gone.
func State(pid int) string {
	if f := Stat(pid); f != nil {
		return f[0]
	}
	return ""
}

// Parent returns the parent pid of pid; false if pid is gone.
func Parent(pid int) (int, bool) {
	f := Stat(pid)
	if f == nil {
		return 0, false
	}
	ppid, err := strconv.Atoi(f[1])
	return ppid, err == nil
}

// Comm returns the command name of pid.
func Comm(pid int) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	return strings.TrimSpace(string(b))
}

// StatusLine returns the value of the line called key in
// /proc/<pid>/status.
func StatusLine(pid int, key string) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	for line := range strings.Lines(string(b)) {
		if k, v, ok := strings.Cut(line, ":"); ok && k == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// Children returns the pids /proc lists as children of pid, from each of
// its tasks.
func Children(pid int) []int {
	var pids []int
	tasks, _ := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	for _, task := range tasks {
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + task.Name() + "/children")
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(f); err == nil {
				pids = append(pids, n)
			}
		}
	}
	return pids
}

// Wakeups returns the context switches of pid, voluntary and not. A
// sleeping process's count changes when it is stopped, even if it is
// continued at once, and when a signal ends it: a sleeping process whose
// count has not changed was sent nothing.
func Wakeups(pid int) string {
	return StatusLine(pid, "voluntary_ctxt_switches") + "/" + StatusLine(pid, "nonvoluntary_ctxt_switches")
}
