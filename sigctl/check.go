package sigctl

import (
	"fmt"
	"math"

	"golang.org/x/sys/unix"
)

// CheckSignum validates that n lies in 0..MaxSignum, the numbers kill(2)
// accepts here. Anything else, including negative numbers and numbers
// beyond 32 bits (which kill(2) would see truncated), is an *OSError with
// Errno EINVAL, as kill(2) itself reports it. It never truncates.
func CheckSignum(n int64) (Signum, error) {
	if n < 0 || n > int64(MaxSignum) {
		return 0, &OSError{Errno: unix.EINVAL}
	}
	return Signum(n), nil
}

// PIDError is an invalid pid: one outside the int32 range of pid_t,
// which kill(2) would see truncated, or one that does not name a single
// process where one is needed.
type PIDError struct {
	PID     int64
	Problem string // completes "pid N ...", such as "must be a positive process id"
}

// Error says which pid is wrong and why.
func (e *PIDError) Error() string { return fmt.Sprintf("pid %d %s", e.PID, e.Problem) }

// CheckPID validates that pid fits in the int32 pid_t; unix.Kill would
// silently truncate a larger one and signal some other process. A pid
// outside that range is a *PIDError.
func CheckPID(pid int64) (int, error) {
	if pid < math.MinInt32 || pid > math.MaxInt32 {
		return 0, &PIDError{PID: pid, Problem: "is out of range (it must fit in 32 bits)"}
	}
	return int(pid), nil
}

// checkOneProcess validates that pid names one process: it is positive
// and fits in pid_t. Anything else is a *PIDError.
func checkOneProcess(pid int) error {
	if _, err := CheckPID(int64(pid)); err != nil {
		return err
	}
	if pid <= 0 {
		return &PIDError{PID: int64(pid), Problem: "must be a positive process id"}
	}
	return nil
}
