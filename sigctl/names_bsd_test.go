//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package sigctl

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestBSDKnowsEMTAndINFO(t *testing.T) {
	for _, tc := range []struct {
		name string
		want unix.Signal
	}{{"EMT", unix.SIGEMT}, {"INFO", unix.SIGINFO}, {"SIGINFO", unix.SIGINFO}} {
		if got, ok := Parse(tc.name); !ok || got != Signum(tc.want) {
			t.Errorf("Parse(%q) = %d, %v; want %d", tc.name, got, ok, tc.want)
		}
	}
}

func TestBSDHasNoRealTimeNames(t *testing.T) {
	for _, name := range []string{"RTMIN", "RTMAX", "RTMIN+1", "RTMAX-1"} {
		if got, ok := Parse(name); ok {
			t.Errorf("Parse(%q) = %d, true; real-time names are Linux only", name, got)
		}
	}
}
