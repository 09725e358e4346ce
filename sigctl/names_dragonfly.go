package sigctl

import "golang.org/x/sys/unix"

// MaxSignum is the highest signal number kill(2) accepts on DragonFly:
// _SIG_MAXSIG (128, sys/sys/signal.h), as kern_kill in sys/kern/kern_sig.c
// rejects only sig > _SIG_MAXSIG. NSIG (64) is merely the size of the
// legacy signal table, and x/sys/unix defines neither.
const MaxSignum Signum = 128

// platformNames are the seed's names DragonFly has beyond the common ones.
// PWR does not exist here.
var platformNames = []Entry{{"EMT", Signum(unix.SIGEMT)}, {"INFO", Signum(unix.SIGINFO)}}
