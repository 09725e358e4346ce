package signal

import "golang.org/x/sys/unix"

// Max is the highest signal number kill(2) accepts on macOS (NSIG - 1).
const Max Number = 31

// platformNames are the seed's names macOS has beyond the common ones.
var platformNames = []Entry{{"EMT", Number(unix.SIGEMT)}, {"INFO", Number(unix.SIGINFO)}}
