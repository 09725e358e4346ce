// Package sigctl controls processes with signals: it knows the platform's
// signal names and numbers, validates pids and signal numbers, applies
// sigrpc's safety policy, sends signals, waits for processes to go and
// ends whole process trees. It knows nothing of JSON: package
// internal/service maps its errors onto the wire.
//
// Signal numbers come from the platform's constants in
// golang.org/x/sys/unix, never from a table written for Linux. The
// package supports Linux, macOS, FreeBSD, NetBSD, OpenBSD and DragonFly.
package sigctl

// Signum is a signal number; 0 is NONE, the existence and permission
// check that sends nothing.
type Signum int

// None is the null signal: kill(pid, 0) checks that pid exists and may be
// signalled, and sends nothing.
const None Signum = 0

// Entry is one canonical signal name and its number.
type Entry struct {
	Name   string // without the SIG prefix, such as "TERM"
	Signum Signum
}
