package signal

import (
	"strconv"

	"golang.org/x/sys/unix"
)

// Max is the highest signal number kill(2) accepts on Linux (_NSIG - 1).
const Max Number = 64

// platformNames are the seed's names only Linux has.
var platformNames = []Entry{{"PWR", Number(unix.SIGPWR)}}

// The real-time range as glibc presents it (the kernel's 32 and 33 are
// reserved by glibc's threading).
const (
	rtMin Number = 34
	rtMax Number = 64
)

// parseRealTime parses RTMIN, RTMAX, RTMIN+n and RTMAX-n (upper case, no
// SIG prefix), within rtMin..rtMax.
func parseRealTime(name []byte) (Number, bool) {
	if len(name) < 5 || string(name[:2]) != "RT" {
		return 0, false
	}
	var base Number
	var sign Number
	switch string(name[2:5]) {
	case "MIN":
		base, sign = rtMin, 1
	case "MAX":
		base, sign = rtMax, -1
	default:
		return 0, false
	}
	rest := name[5:]
	if len(rest) == 0 {
		return base, true
	}
	if (sign == 1 && rest[0] != '+') || (sign == -1 && rest[0] != '-') || len(rest) < 2 || len(rest) > 3 {
		return 0, false
	}
	off := Number(0)
	for _, c := range rest[1:] {
		if c < '0' || c > '9' {
			return 0, false
		}
		off = off*10 + Number(c-'0')
	}
	n := base + sign*off
	if n < rtMin || n > rtMax {
		return 0, false
	}
	return n, true
}

// realTimeName names a real-time signal as bash's kill -l does.
func realTimeName(n Number) (string, bool) {
	switch {
	case n < rtMin || n > rtMax:
		return "", false
	case n == rtMin:
		return "RTMIN", true
	case n == rtMax:
		return "RTMAX", true
	case n-rtMin <= 15:
		return "RTMIN+" + strconv.Itoa(int(n-rtMin)), true
	}
	return "RTMAX-" + strconv.Itoa(int(rtMax-n)), true
}
