package sigctl

import "golang.org/x/sys/unix"

// MaxSignum is the highest signal number kill(2) accepts on FreeBSD:
// _SIG_MAXSIG (128, sys/sys/signal.h); kern_kill rejects sig > _SIG_MAXSIG.
const MaxSignum Signum = 128

// platformNames are the seed's names FreeBSD has beyond the common ones.
// PWR does not exist here.
var platformNames = []Entry{{"EMT", Signum(unix.SIGEMT)}, {"INFO", Signum(unix.SIGINFO)}}
