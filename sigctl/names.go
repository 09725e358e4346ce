package sigctl

import (
	"slices"
	"strconv"

	"golang.org/x/sys/unix"
)

// commonNames are the seed's names that every supported platform has,
// with the platform's numbers.
var commonNames = []Entry{
	{"HUP", Signum(unix.SIGHUP)}, {"INT", Signum(unix.SIGINT)}, {"QUIT", Signum(unix.SIGQUIT)},
	{"ILL", Signum(unix.SIGILL)}, {"TRAP", Signum(unix.SIGTRAP)}, {"ABRT", Signum(unix.SIGABRT)},
	{"BUS", Signum(unix.SIGBUS)}, {"FPE", Signum(unix.SIGFPE)}, {"KILL", Signum(unix.SIGKILL)},
	{"USR1", Signum(unix.SIGUSR1)}, {"SEGV", Signum(unix.SIGSEGV)}, {"USR2", Signum(unix.SIGUSR2)},
	{"PIPE", Signum(unix.SIGPIPE)}, {"ALRM", Signum(unix.SIGALRM)}, {"TERM", Signum(unix.SIGTERM)},
	{"CHLD", Signum(unix.SIGCHLD)}, {"CONT", Signum(unix.SIGCONT)}, {"STOP", Signum(unix.SIGSTOP)},
	{"TSTP", Signum(unix.SIGTSTP)}, {"TTIN", Signum(unix.SIGTTIN)}, {"TTOU", Signum(unix.SIGTTOU)},
	{"URG", Signum(unix.SIGURG)}, {"XCPU", Signum(unix.SIGXCPU)}, {"XFSZ", Signum(unix.SIGXFSZ)},
	{"VTALRM", Signum(unix.SIGVTALRM)}, {"PROF", Signum(unix.SIGPROF)}, {"WINCH", Signum(unix.SIGWINCH)},
	{"IO", Signum(unix.SIGIO)}, {"SYS", Signum(unix.SIGSYS)},
}

// The lookup tables, built once from commonNames and platformNames and
// never modified afterwards.
var (
	table    = buildTable()
	byName   = buildByName(table)
	byNumber = buildByNumber(table)
)

func buildTable() []Entry {
	t := append([]Entry{{"NONE", None}}, commonNames...)
	t = append(t, platformNames...)
	slices.SortStableFunc(t, func(a, b Entry) int { return int(a.Signum - b.Signum) })
	return t
}

func buildByName(t []Entry) map[string]Signum {
	m := make(map[string]Signum, len(t))
	for _, e := range t {
		m[e.Name] = e.Signum
	}
	return m
}

func buildByNumber(t []Entry) []string {
	names := make([]string, MaxSignum+1)
	for _, e := range t {
		names[e.Signum] = e.Name
	}
	return names
}

// Table returns every canonical name this platform knows, with its
// number: NONE first, then by number, without the SIG prefix and without
// real-time names. The slice is a fresh copy the caller may modify.
func Table() []Entry {
	return slices.Clone(table)
}

// maxNameLen bounds the names Parse considers; the longest it accepts,
// such as "SIGRTMAX-14" or "SIGVTALRM", are far shorter.
const maxNameLen = 16

// Parse resolves a signal name to its number. Matching ignores ASCII case
// and accepts an optional SIG prefix, itself in any case: "TERM",
// "SIGTERM", "term" and "sigTerm" are all the same. NONE (or SIGNONE) is
// 0. Only the canonical names of Table are known, never aliases such as
// IOT, CLD or POLL, nor numbers, nor names with surrounding space. On
// Linux, RTMIN, RTMAX, RTMIN+n and RTMAX-n are known too, where n is a
// run of ASCII digits and the result lies in the real-time range.
//
// Parse does not allocate.
func Parse(name string) (Signum, bool) {
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

// Name returns the canonical name of n: "NONE" for 0, the name in Table
// for a number there ("TERM" for 15), and on Linux the real-time names
// as bash's kill -l writes them ("RTMIN", "RTMIN+1" to "RTMIN+15",
// "RTMAX-14" to "RTMAX-1", "RTMAX"). It reports false for a number with
// no name here, such as Linux's 16 (STKFLT, not a seed name). Whenever it
// reports true, Parse(name) returns n.
func (n Signum) Name() (string, bool) {
	if n < 0 || n > MaxSignum {
		return "", false
	}
	if name := byNumber[n]; name != "" {
		return name, true
	}
	return realTimeName(n)
}

// String returns the name of n, or "signal N" if it has none.
func (n Signum) String() string {
	if name, ok := n.Name(); ok {
		return name
	}
	return "signal " + strconv.Itoa(int(n))
}
