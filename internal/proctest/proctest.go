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

// The inode numbers of the initial pid and user namespaces, fixed by the
// kernel (PROC_PID_INIT_INO, PROC_USER_INIT_INO).
const (
	initPIDNamespace  = 0xEFFFFFFC
	initUserNamespace = 0xEFFFFFFD
)

// ForkEventsExpected reports whether the kernel's process events (the
// netlink process connector) must be available to this process: it runs
// as root in the initial pid and user namespaces, as on a host. Tests
// skip what needs them elsewhere (a container), and fail here.
func ForkEventsExpected() bool {
	return os.Geteuid() == 0 &&
		nsInode("/proc/self/ns/pid") == initPIDNamespace &&
		nsInode("/proc/self/ns/user") == initUserNamespace
}

// nsInode returns the inode of the namespace link at path, 0 if unknown.
func nsInode(path string) uint64 {
	link, err := os.Readlink(path)
	if err != nil {
		return 0
	}
	_, num, _ := strings.Cut(link, "[")
	n, _ := strconv.ParseUint(strings.TrimSuffix(num, "]"), 10, 64)
	return n
}
