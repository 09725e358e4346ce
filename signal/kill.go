package signal

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// Killer sends signals after validating them and checking its Policy. It
// is safe for concurrent use.
type Killer struct {
	Policy Policy
	// send delivers the signal; nil means unix.Kill. Tests substitute a
	// recorder to prove what was, and was not, sent.
	send func(pid int, sig syscall.Signal) error
}

// NewKiller returns a Killer that applies p and sends with kill(2).
func NewKiller(p Policy) *Killer {
	return &Killer{Policy: p}
}

// Kill sends signal number sig to pid. It checks, in order: that pid fits
// in 32 bits (an error wrapping ErrPIDRange), that sig is a valid number
// (EINVAL, even where the pid does not exist), and the policy (a
// *PolicyError). Only then does it send, with kill(2) rather than
// os.Process.Signal, which would rewrite ESRCH. Failures of the send are
// *OSError values.
func (k *Killer) Kill(pid, sig int64) error {
	p, err := CheckPID(pid)
	if err != nil {
		return err
	}
	n, err := CheckNumber(sig)
	if err != nil {
		return err
	}
	if err := k.Policy.Check(p, n); err != nil {
		return err
	}
	send := k.send
	if send == nil {
		send = unix.Kill
	}
	return AsOSError(send(p, syscall.Signal(n)))
}
