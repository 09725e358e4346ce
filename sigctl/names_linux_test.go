package sigctl

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

// TestLinuxTableIsTheSeedNamesButEMTAndINFO checks the table against the
// platform's constants: every seed name but EMT and INFO, which Linux
// lacks, and nothing else.
func TestLinuxTableIsTheSeedNamesButEMTAndINFO(t *testing.T) {
	want := map[string]unix.Signal{
		"NONE": 0, "HUP": unix.SIGHUP, "INT": unix.SIGINT, "QUIT": unix.SIGQUIT, "ILL": unix.SIGILL,
		"TRAP": unix.SIGTRAP, "ABRT": unix.SIGABRT, "BUS": unix.SIGBUS, "FPE": unix.SIGFPE,
		"KILL": unix.SIGKILL, "USR1": unix.SIGUSR1, "SEGV": unix.SIGSEGV, "USR2": unix.SIGUSR2,
		"PIPE": unix.SIGPIPE, "ALRM": unix.SIGALRM, "TERM": unix.SIGTERM, "CHLD": unix.SIGCHLD,
		"CONT": unix.SIGCONT, "STOP": unix.SIGSTOP, "TSTP": unix.SIGTSTP, "TTIN": unix.SIGTTIN,
		"TTOU": unix.SIGTTOU, "URG": unix.SIGURG, "XCPU": unix.SIGXCPU, "XFSZ": unix.SIGXFSZ,
		"VTALRM": unix.SIGVTALRM, "PROF": unix.SIGPROF, "WINCH": unix.SIGWINCH, "IO": unix.SIGIO,
		"PWR": unix.SIGPWR, "SYS": unix.SIGSYS,
	}
	tab := Table()
	if len(tab) != len(want) {
		t.Errorf("Table() has %d names, want %d: %v", len(tab), len(want), tab)
	}
	for _, e := range tab {
		if n, ok := want[e.Name]; !ok || Signum(n) != e.Signum {
			t.Errorf("Table() has %v, want %s = %d (present: %v)", e, e.Name, n, ok)
		}
	}
	for _, name := range []string{"EMT", "SIGEMT", "INFO", "SIGINFO"} {
		if n, ok := Parse(name); ok {
			t.Errorf("Parse(%q) = %d, true; Linux has no such signal", name, n)
		}
	}
}

func TestLinuxMaxIs64(t *testing.T) {
	if MaxSignum != 64 {
		t.Fatalf("MaxSignum = %d, want 64", MaxSignum)
	}
	for _, n := range []int64{0, 1, 34, 64} {
		if got, err := CheckSignum(n); err != nil || int64(got) != n {
			t.Errorf("CheckSignum(%d) = %d, %v", n, got, err)
		}
	}
	if _, err := CheckSignum(65); !errors.Is(err, unix.EINVAL) {
		t.Errorf("CheckSignum(65) = %v, want EINVAL", err)
	}
}

func TestParseRealTimeNames(t *testing.T) {
	for _, tc := range []struct {
		name string
		want Signum // 0: unknown
	}{
		{"RTMIN", 34}, {"RTMAX", 64}, {"SIGRTMIN", 34}, {"sigrtmax", 64}, {"rtmin", 34},
		{"RTMIN+0", 34}, {"RTMIN+1", 35}, {"RTMIN+15", 49}, {"RTMIN+16", 50}, {"RTMIN+30", 64},
		{"RTMAX-0", 64}, {"RTMAX-1", 63}, {"RTMAX-14", 50}, {"RTMAX-30", 34},
		{"SIGRTMIN+5", 39}, {"sigrtmax-2", 62}, {"RTMIN+007", 41}, {"RTMIN+0000000030", 64},
		// out of the range
		{"RTMIN+31", 0}, {"RTMAX-31", 0}, {"RTMIN+99", 0}, {"RTMIN+9999999999", 0}, {"RTMAX-4294967326", 0},
		// malformed offsets
		{"RTMIN+", 0}, {"RTMAX-", 0}, {"RTMIN+-1", 0}, {"RTMIN++1", 0}, {"RTMIN+ 1", 0}, {"RTMIN +1", 0},
		{"RTMIN+1 ", 0}, {" RTMIN", 0}, {"RTMIN+1a", 0}, {"RTMIN+0x1", 0}, {"RTMIN1", 0},
		{"RTMIN-1", 0}, {"RTMAX+1", 0}, {"RTMIN+1+1", 0},
		// not real-time names at all
		{"RT", 0}, {"RTM", 0}, {"RTMI", 0}, {"RTMID", 0}, {"SIGRT", 0}, {"RTMINX", 0},
	} {
		got, ok := Parse(tc.name)
		if ok != (tc.want != 0) || got != tc.want {
			t.Errorf("Parse(%q) = %d, %v; want %d, %v", tc.name, got, ok, tc.want, tc.want != 0)
		}
	}
}

func TestNameWritesRealTimeNamesAsBashDoes(t *testing.T) {
	for _, tc := range []struct {
		n    Signum
		want string
	}{
		{34, "RTMIN"}, {35, "RTMIN+1"}, {49, "RTMIN+15"}, {50, "RTMAX-14"}, {63, "RTMAX-1"}, {64, "RTMAX"},
	} {
		if got, ok := tc.n.Name(); !ok || got != tc.want {
			t.Errorf("Signum(%d).Name() = %q, %v; want %q", tc.n, got, ok, tc.want)
		}
	}
}

func TestNameKnowsNothingForNumbersWithoutASeedName(t *testing.T) {
	// 16 is STKFLT, not a seed name; 32 and 33 are glibc's, not real-time
	// signals an application may use.
	for _, n := range []Signum{16, 32, 33} {
		if name, ok := n.Name(); ok {
			t.Errorf("Signum(%d).Name() = %q, true; want unknown", n, name)
		}
	}
	if got := Signum(16).String(); got != "signal 16" {
		t.Errorf("Signum(16).String() = %q", got)
	}
}
