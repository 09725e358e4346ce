package sigctl

import (
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseIgnoresCaseAndAnOptionalSIGPrefix(t *testing.T) {
	for _, name := range []string{"TERM", "term", "Term", "tErM", "SIGTERM", "sigterm", "SigTerm", "sIgTeRm"} {
		if got, ok := Parse(name); !ok || got != Signum(unix.SIGTERM) {
			t.Errorf("Parse(%q) = %d, %v; want %d, true", name, got, ok, unix.SIGTERM)
		}
	}
}

func TestParseKnowsNONEAsZero(t *testing.T) {
	for _, name := range []string{"NONE", "none", "SIGNONE", "signone"} {
		if got, ok := Parse(name); !ok || got != None {
			t.Errorf("Parse(%q) = %d, %v; want 0, true", name, got, ok)
		}
	}
}

func TestParseKnowsTheCommonSeedNames(t *testing.T) {
	for _, tc := range []struct {
		name string
		want unix.Signal
	}{
		{"HUP", unix.SIGHUP}, {"INT", unix.SIGINT}, {"QUIT", unix.SIGQUIT}, {"ILL", unix.SIGILL},
		{"TRAP", unix.SIGTRAP}, {"ABRT", unix.SIGABRT}, {"BUS", unix.SIGBUS}, {"FPE", unix.SIGFPE},
		{"KILL", unix.SIGKILL}, {"USR1", unix.SIGUSR1}, {"SEGV", unix.SIGSEGV}, {"USR2", unix.SIGUSR2},
		{"PIPE", unix.SIGPIPE}, {"ALRM", unix.SIGALRM}, {"TERM", unix.SIGTERM}, {"CHLD", unix.SIGCHLD},
		{"CONT", unix.SIGCONT}, {"STOP", unix.SIGSTOP}, {"TSTP", unix.SIGTSTP}, {"TTIN", unix.SIGTTIN},
		{"TTOU", unix.SIGTTOU}, {"URG", unix.SIGURG}, {"XCPU", unix.SIGXCPU}, {"XFSZ", unix.SIGXFSZ},
		{"VTALRM", unix.SIGVTALRM}, {"PROF", unix.SIGPROF}, {"WINCH", unix.SIGWINCH}, {"IO", unix.SIGIO},
		{"SYS", unix.SIGSYS},
	} {
		if got, ok := Parse(tc.name); !ok || got != Signum(tc.want) {
			t.Errorf("Parse(%q) = %d, %v; want %d, true", tc.name, got, ok, tc.want)
		}
	}
}

func TestParseRejectsWhatIsNotACanonicalName(t *testing.T) {
	for _, name := range []string{
		"", "SIG", "sig", "SIGSIGTERM", "TERMX", "XTERM", "TER",
		// aliases
		"IOT", "SIGIOT", "CLD", "POLL", "STKFLT", "THR", "LWP", "LOST", "UNUSED", "ZERO", "NULL", "EXIT",
		// numbers as strings
		"15", "0", "9", "SIG15", "-15", "+15",
		// space and control characters
		" TERM", "TERM ", "\tTERM", "TERM\n", "TE RM", "SIG TERM", "TERM\x00",
		// non-ASCII look-alikes, and more than the length limit
		"ＴＥＲＭ", "TERM\u00a0", strings.Repeat("A", 17), "TERMINATE_EVERYTHING_NOW", strings.Repeat("TERM", 1000),
	} {
		if got, ok := Parse(name); ok {
			t.Errorf("Parse(%q) = %d, true; want unknown", name, got)
		}
	}
}

func TestParseKnowsEveryTableName(t *testing.T) {
	for _, e := range Table() {
		for _, name := range []string{e.Name, "SIG" + e.Name, strings.ToLower(e.Name)} {
			if got, ok := Parse(name); !ok || got != e.Signum {
				t.Errorf("Parse(%q) = %d, %v; want %d", name, got, ok, e.Signum)
			}
		}
	}
}

func TestNameRoundTripsThroughParse(t *testing.T) {
	for n := Signum(0); n <= MaxSignum; n++ {
		name, ok := n.Name()
		if !ok {
			if name != "" {
				t.Errorf("Signum(%d).Name() = %q, false; want an empty name", n, name)
			}
			continue
		}
		if got, ok := Parse(name); !ok || got != n {
			t.Errorf("Parse(Signum(%d).Name() = %q) = %d, %v", n, name, got, ok)
		}
	}
}

func TestNameOfAnOutOfRangeNumberIsUnknown(t *testing.T) {
	for _, n := range []Signum{-1, -15, MaxSignum + 1, 1 << 20} {
		if name, ok := n.Name(); ok || name != "" {
			t.Errorf("Signum(%d).Name() = %q, %v; want unknown", n, name, ok)
		}
	}
}

func TestNameOfATableNumberIsItsName(t *testing.T) {
	for _, e := range Table() {
		if name, ok := e.Signum.Name(); !ok || name != e.Name {
			t.Errorf("Signum(%d).Name() = %q, %v; want %q", e.Signum, name, ok, e.Name)
		}
	}
}

func TestStringIsTheNameOrSignalN(t *testing.T) {
	for _, tc := range []struct {
		n    Signum
		want string
	}{
		{None, "NONE"}, {Signum(unix.SIGTERM), "TERM"}, {Signum(unix.SIGKILL), "KILL"},
		{-1, "signal -1"}, {MaxSignum + 1, "signal " + strconv.Itoa(int(MaxSignum)+1)},
	} {
		if got := tc.n.String(); got != tc.want {
			t.Errorf("Signum(%d).String() = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestTableStartsWithNoneAndIsSortedByNumber(t *testing.T) {
	tab := Table()
	if len(tab) == 0 || tab[0] != (Entry{"NONE", 0}) {
		t.Fatalf("Table() starts with %v, want NONE", tab[:min(1, len(tab))])
	}
	seen := map[string]bool{}
	for i, e := range tab {
		if i > 0 && e.Signum <= tab[i-1].Signum {
			t.Errorf("%v follows %v: not sorted, or a number named twice", e, tab[i-1])
		}
		if e.Signum < 0 || e.Signum > MaxSignum {
			t.Errorf("%v lies outside 0..MaxSignum", e)
		}
		if seen[e.Name] || strings.HasPrefix(e.Name, "SIG") || strings.HasPrefix(e.Name, "RT") || e.Name != strings.ToUpper(e.Name) {
			t.Errorf("%v: duplicate, prefixed, real-time or lower-case name", e)
		}
		seen[e.Name] = true
	}
}

func TestTableReturnsAFreshCopy(t *testing.T) {
	tab := Table()
	tab[0].Name, tab[1].Signum = "CHANGED", 999
	again := Table()
	if again[0].Name != "NONE" || again[1].Signum == 999 {
		t.Fatal("Table returned shared storage")
	}
	if got, _ := Signum(0).Name(); got != "NONE" {
		t.Fatalf("changing Table's result changed Name: %q", got)
	}
}

func TestParseDoesNotAllocate(t *testing.T) {
	for _, name := range []string{"TERM", "sigterm", "nope", "SIGRTMIN+5", "rtmax-2", strings.Repeat("x", 40)} {
		if allocs := testing.AllocsPerRun(100, func() { Parse(name) }); allocs != 0 {
			t.Errorf("Parse(%q) allocates %.0f times", name, allocs)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	for _, name := range []string{"TERM", "sigterm", "SIGRTMAX-3", "UNKNOWN"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Parse(name)
			}
		})
	}
}
