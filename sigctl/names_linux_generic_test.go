//go:build linux && (386 || amd64 || arm || arm64 || loong64 || ppc64 || ppc64le || riscv64 || s390x)

package sigctl

import (
	"slices"
	"testing"
)

// TestLinuxTableMatchesTheProtocol checks the numbers the protocol
// documents for Linux on its common architectures (MIPS, SPARC and Alpha
// number some signals differently), including SYS = 31 and PWR = 30.
func TestLinuxTableMatchesTheProtocol(t *testing.T) {
	want := []Entry{
		{"NONE", 0}, {"HUP", 1}, {"INT", 2}, {"QUIT", 3}, {"ILL", 4}, {"TRAP", 5}, {"ABRT", 6},
		{"BUS", 7}, {"FPE", 8}, {"KILL", 9}, {"USR1", 10}, {"SEGV", 11}, {"USR2", 12}, {"PIPE", 13},
		{"ALRM", 14}, {"TERM", 15}, {"CHLD", 17}, {"CONT", 18}, {"STOP", 19}, {"TSTP", 20},
		{"TTIN", 21}, {"TTOU", 22}, {"URG", 23}, {"XCPU", 24}, {"XFSZ", 25}, {"VTALRM", 26},
		{"PROF", 27}, {"WINCH", 28}, {"IO", 29}, {"PWR", 30}, {"SYS", 31},
	}
	if got := Table(); !slices.Equal(got, want) {
		t.Fatalf("Table() = %v\nwant      %v", got, want)
	}
}
