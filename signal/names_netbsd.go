package signal

import "golang.org/x/sys/unix"

// Max is the highest signal number kill(2) accepts on NetBSD: NSIG - 1
// (sys/signal.h has NSIG 64, and sys_kill rejects signum >= NSIG).
const Max Number = 63

// platformNames are the seed's names NetBSD has beyond the common ones.
var platformNames = []Entry{{"EMT", Number(unix.SIGEMT)}, {"INFO", Number(unix.SIGINFO)}, {"PWR", Number(unix.SIGPWR)}}
