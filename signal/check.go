package signal

import (
	"errors"
	"fmt"
	"math"

	"golang.org/x/sys/unix"
)

// CheckNumber validates that n lies in 0..Max, the numbers kill(2)
// accepts here. Anything else, including negative numbers and numbers
// beyond 32 bits (which kill(2) would see truncated), is an *OSError with
// Errno EINVAL, as kill(2) itself reports it. It never truncates.
func CheckNumber(n int64) (Number, error) {
	if n < 0 || n > int64(Max) {
		return 0, &OSError{Errno: unix.EINVAL}
	}
	return Number(n), nil
}

// ErrPIDRange is the error CheckPID wraps for a pid outside the int32
// range of pid_t.
var ErrPIDRange = errors.New("pid out of range")

// CheckPID validates that pid fits in the int32 pid_t; unix.Kill would
// silently truncate a larger one and signal some other process. A pid
// outside that range is an error wrapping ErrPIDRange.
func CheckPID(pid int64) (int, error) {
	if pid < math.MinInt32 || pid > math.MaxInt32 {
		return 0, fmt.Errorf("pid %d: %w", pid, ErrPIDRange)
	}
	return int(pid), nil
}
