//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package signal

// Info is unsupported here: it returns ErrUnsupported.
func (p *Process) Info() (Info, error) { return Info{}, ErrUnsupported }

// parentPID is unsupported here: it returns ErrUnsupported.
func (p *Process) parentPID() (int, error) { return 0, ErrUnsupported }
