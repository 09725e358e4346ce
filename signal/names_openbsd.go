package signal

import "golang.org/x/sys/unix"

// Max is the highest signal number kill(2) accepts on OpenBSD: NSIG - 1
// (sys/signal.h has NSIG 33, and sys_kill rejects signum >= NSIG).
const Max Number = 32

// platformNames are the seed's names OpenBSD has beyond the common ones.
// PWR does not exist here.
var platformNames = []Entry{{"EMT", Number(unix.SIGEMT)}, {"INFO", Number(unix.SIGINFO)}}
