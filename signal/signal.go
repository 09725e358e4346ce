// Package signal knows the platform's signal names and numbers, validates
// pids and signals, applies sigrpc's safety policy, and sends signals. It
// knows nothing of JSON; package rpc maps its errors onto the wire.
package signal

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"syscall"
)

// Number is a signal number; 0 is NONE, the existence and permission check.
type Number int

// None is the null signal: kill(pid, 0) checks that pid exists and may be
// signalled, and sends nothing.
const None Number = 0

// Entry is one canonical signal name and its number.
type Entry struct {
	Name   string
	Number Number
}

// commonNames are the seed's names that every supported platform has.
var commonNames = []Entry{
	{"HUP", Number(syscall.SIGHUP)}, {"INT", Number(syscall.SIGINT)}, {"QUIT", Number(syscall.SIGQUIT)},
	{"ILL", Number(syscall.SIGILL)}, {"TRAP", Number(syscall.SIGTRAP)}, {"ABRT", Number(syscall.SIGABRT)},
	{"BUS", Number(syscall.SIGBUS)}, {"FPE", Number(syscall.SIGFPE)}, {"KILL", Number(syscall.SIGKILL)},
	{"USR1", Number(syscall.SIGUSR1)}, {"SEGV", Number(syscall.SIGSEGV)}, {"USR2", Number(syscall.SIGUSR2)},
	{"PIPE", Number(syscall.SIGPIPE)}, {"ALRM", Number(syscall.SIGALRM)}, {"TERM", Number(syscall.SIGTERM)},
	{"CHLD", Number(syscall.SIGCHLD)}, {"CONT", Number(syscall.SIGCONT)}, {"STOP", Number(syscall.SIGSTOP)},
	{"TSTP", Number(syscall.SIGTSTP)}, {"TTIN", Number(syscall.SIGTTIN)}, {"TTOU", Number(syscall.SIGTTOU)},
	{"URG", Number(syscall.SIGURG)}, {"XCPU", Number(syscall.SIGXCPU)}, {"XFSZ", Number(syscall.SIGXFSZ)},
	{"VTALRM", Number(syscall.SIGVTALRM)}, {"PROF", Number(syscall.SIGPROF)}, {"WINCH", Number(syscall.SIGWINCH)},
	{"IO", Number(syscall.SIGIO)}, {"SYS", Number(syscall.SIGSYS)},
}

// The lookup tables, built once from commonNames and platformNames and
// never modified.
var (
	table    = buildTable()
	byName   = buildByName(table)
	byNumber = buildByNumber(table)
)

func buildTable() []Entry {
	t := append([]Entry{{"NONE", None}}, commonNames...)
	t = append(t, platformNames...)
	slices.SortStableFunc(t, func(a, b Entry) int { return int(a.Number - b.Number) })
	return t
}

func buildByName(t []Entry) map[string]Number {
	m := make(map[string]Number, len(t))
	for _, e := range t {
		m[e.Name] = e.Number
	}
	return m
}

func buildByNumber(t []Entry) []string {
	names := make([]string, Max+1)
	for _, e := range t {
		names[e.Number] = e.Name
	}
	return names
}

// Table returns every canonical name this platform knows, NONE first and
// then by number, without the SIG prefix and without real-time names. The
// slice is a fresh copy.
func Table() []Entry {
	return slices.Clone(table)
}

// maxNameLen bounds the names Parse considers ("SIGRTMAX-30" is 11 bytes).
const maxNameLen = 16

// Parse resolves a signal name. Matching ignores ASCII case and accepts an
// optional SIG prefix: "TERM", "SIGTERM" and "term" are all 15. Only the
// canonical names of Table and NONE are known (no aliases such as IOT or
// CLD), plus, on Linux, RTMIN, RTMAX, RTMIN+n and RTMAX-n. Parse does not
// allocate.
func Parse(name string) (Number, bool) {
	if len(name) > maxNameLen {
		return 0, false
	}
	var buf [maxNameLen]byte
	upper := buf[:len(name)]
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		upper[i] = c
	}
	if len(upper) > 3 && string(upper[:3]) == "SIG" {
		upper = upper[3:]
	}
	if n, ok := byName[string(upper)]; ok {
		return n, true
	}
	return parseRealTime(upper)
}

// Name returns the canonical name of n ("TERM" for 15, "NONE" for 0, and
// on Linux "RTMIN", "RTMIN+n", "RTMAX-n", "RTMAX" as bash's kill -l
// writes them). It reports false for a number with no name here.
func (n Number) Name() (string, bool) {
	if n < 0 || n > Max {
		return "", false
	}
	if name := byNumber[n]; name != "" {
		return name, true
	}
	return realTimeName(n)
}

// String returns the name of n, or "signal N" if it has none.
func (n Number) String() string {
	if name, ok := n.Name(); ok {
		return name
	}
	return "signal " + strconv.Itoa(int(n))
}

// CheckNumber validates that n lies in 0..Max. Anything else, including
// negative numbers and numbers beyond 32 bits (which kill(2) would see
// truncated), is an *OSError with EINVAL, as kill(2) itself reports it.
func CheckNumber(n int64) (Number, error) {
	if n < 0 || n > int64(Max) {
		return 0, &OSError{Errno: syscall.EINVAL}
	}
	return Number(n), nil
}

// ErrPIDRange is the error CheckPID wraps for a pid outside int32.
var ErrPIDRange = errors.New("pid out of range")

// CheckPID validates that pid fits in the int32 pid_t; the kill system
// call would silently truncate a larger one.
func CheckPID(pid int64) (int, error) {
	if pid < math.MinInt32 || pid > math.MaxInt32 {
		return 0, fmt.Errorf("pid %d: %w", pid, ErrPIDRange)
	}
	return int(pid), nil
}
