package sigctl

import (
	"errors"
	"math"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestCheckNumberAcceptsZeroToMax(t *testing.T) {
	for _, n := range []int64{0, 1, 15, int64(MaxSignum)} {
		if got, err := CheckSignum(n); err != nil || int64(got) != n {
			t.Errorf("CheckSignum(%d) = %d, %v", n, got, err)
		}
	}
}

func TestCheckNumberRejectsOutOfRangeAsEINVALWithoutTruncating(t *testing.T) {
	for _, n := range []int64{-1, -15, int64(MaxSignum) + 1, 999, 1<<32 + 15, 4294967311, math.MaxInt64, math.MinInt64} {
		_, err := CheckSignum(n)
		var osErr *OSError
		if !errors.As(err, &osErr) || osErr.Errno != unix.EINVAL || !errors.Is(err, unix.EINVAL) || err.Error() != "Invalid argument" {
			t.Errorf("CheckSignum(%d) = %v, want an *OSError with EINVAL", n, err)
		}
	}
}

func TestCheckPIDAcceptsTheInt32Range(t *testing.T) {
	for _, pid := range []int64{math.MinInt32, -2, -1, 0, 1, 99999999, math.MaxInt32} {
		if got, err := CheckPID(pid); err != nil || int64(got) != pid {
			t.Errorf("CheckPID(%d) = %d, %v", pid, got, err)
		}
	}
}

func TestCheckPIDRejectsBeyondInt32(t *testing.T) {
	for _, pid := range []int64{2147483648, -2147483649, 1 << 32, 1<<32 + 1, math.MaxInt64, math.MinInt64} {
		_, err := CheckPID(pid)
		var pe *PIDError
		if !errors.As(err, &pe) || pe.PID != pid {
			t.Errorf("CheckPID(%d) = %v, want a *PIDError", pid, err)
			continue
		}
		if !strings.Contains(err.Error(), "out of range") {
			t.Errorf("CheckPID(%d) error %q lacks context", pid, err)
		}
	}
}
