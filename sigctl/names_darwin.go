package sigctl

import "golang.org/x/sys/unix"

// MaxSignum is the highest signal number kill(2) accepts on macOS: NSIG - 1
// (sys/signal.h has NSIG 32, and kill rejects signum >= NSIG).
const MaxSignum Signum = 31

// platformNames are the seed's names macOS has beyond the common ones.
// PWR does not exist here.
var platformNames = []Entry{{"EMT", Signum(unix.SIGEMT)}, {"INFO", Signum(unix.SIGINFO)}}
