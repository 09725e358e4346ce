package sigctl

import (
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

// MaxSignum is the highest signal number kill(2) accepts on Linux: _NSIG - 1,
// the top of the real-time range.
const MaxSignum Signum = 64

// platformNames are the seed's names Linux has beyond the common ones.
// EMT and INFO do not exist here.
var platformNames = []Entry{{"PWR", Signum(unix.SIGPWR)}}

// The real-time range as glibc presents it: the kernel's range starts at
// 32, but glibc keeps 32 and 33 for its threads, so SIGRTMIN is 34.
const (
	rtMin Signum = 34
	rtMax Signum = 64
)

// parseRealTime parses RTMIN, RTMAX, RTMIN+n and RTMAX-n, given in upper
// case without the SIG prefix. n is a non-empty run of ASCII digits, and
// the result must lie in rtMin..rtMax.
func parseRealTime(name []byte) (Signum, bool) {
	if len(name) < 5 {
		return 0, false
	}
	var base Signum
	var op byte
	switch string(name[:5]) {
	case "RTMIN":
		base, op = rtMin, '+'
	case "RTMAX":
		base, op = rtMax, '-'
	default:
		return 0, false
	}
	rest := name[5:]
	if len(rest) == 0 {
		return base, true
	}
	if rest[0] != op || len(rest) == 1 {
		return 0, false
	}
	off := Signum(0)
	for _, c := range rest[1:] {
		if c < '0' || c > '9' {
			return 0, false
		}
		// Stop before the offset can overflow: past the range's width
		// the name is unknown whatever follows.
		if off = off*10 + Signum(c-'0'); off > rtMax-rtMin {
			return 0, false
		}
	}
	if op == '+' {
		return base + off, true
	}
	return base - off, true
}

// rtNames are the real-time names as bash's kill -l writes them, indexed
// by number - rtMin.
var rtNames = sync.OnceValue(buildRealTimeNames)

func buildRealTimeNames() []string {
	names := make([]string, rtMax-rtMin+1)
	for n := rtMin; n <= rtMax; n++ {
		switch {
		case n == rtMin:
			names[n-rtMin] = "RTMIN"
		case n == rtMax:
			names[n-rtMin] = "RTMAX"
		case n-rtMin <= 15:
			names[n-rtMin] = "RTMIN+" + strconv.Itoa(int(n-rtMin))
		default:
			names[n-rtMin] = "RTMAX-" + strconv.Itoa(int(rtMax-n))
		}
	}
	return names
}

// realTimeName names a real-time signal, or reports false for a number
// outside rtMin..rtMax.
func realTimeName(n Signum) (string, bool) {
	if n < rtMin || n > rtMax {
		return "", false
	}
	return rtNames()[n-rtMin], true
}
