//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package signal

// Info is unsupported here: it returns ErrUnsupported.
func (p *Process) Info() (Info, error) { return Info{}, ErrUnsupported }

// parentOf is unsupported outside Linux.
func parentOf(int) (int, error) { return 0, ErrUnsupported }
