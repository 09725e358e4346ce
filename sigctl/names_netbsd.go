package sigctl

import "golang.org/x/sys/unix"

// MaxSignum is the highest signal number kill(2) accepts on NetBSD: NSIG - 1
// (sys/signal.h has NSIG 64, and sys_kill rejects signum >= NSIG).
const MaxSignum Signum = 63

// platformNames are the seed's names NetBSD has beyond the common ones.
var platformNames = []Entry{{"EMT", Signum(unix.SIGEMT)}, {"INFO", Signum(unix.SIGINFO)}, {"PWR", Signum(unix.SIGPWR)}}
