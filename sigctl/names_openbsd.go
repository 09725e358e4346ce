package sigctl

import "golang.org/x/sys/unix"

// MaxSignum is the highest signal number kill(2) accepts on OpenBSD: NSIG - 1
// (sys/signal.h has NSIG 33, and sys_kill rejects signum >= NSIG).
const MaxSignum Signum = 32

// platformNames are the seed's names OpenBSD has beyond the common ones.
// PWR does not exist here.
var platformNames = []Entry{{"EMT", Signum(unix.SIGEMT)}, {"INFO", Signum(unix.SIGINFO)}}
