package sigctl

import (
	"errors"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// OSError is an operating system failure, carrying the errno's name and
// the C library's text for it.
type OSError struct {
	Errno  syscall.Errno // the errno, such as unix.ESRCH
	Reason string        // extra detail, such as "start_time mismatch"; usually empty
}

// cTexts are the C library's texts where Go's differ in more than case.
var cTexts = map[syscall.Errno]string{
	unix.ESRCH:  "No such process",
	unix.EPERM:  "Operation not permitted",
	unix.EINVAL: "Invalid argument",
	unix.EAGAIN: "Resource temporarily unavailable",
	unix.ENOSYS: "Function not implemented",
}

// Name returns the errno's symbolic name, such as "ESRCH".
func (e *OSError) Name() string {
	if name := unix.ErrnoName(e.Errno); name != "" {
		return name
	}
	return "errno " + strconv.Itoa(int(e.Errno))
}

// Text returns the C library's description, such as "No such process".
func (e *OSError) Text() string {
	if text, ok := cTexts[e.Errno]; ok {
		return text
	}
	text := e.Errno.Error()
	if text != "" && 'a' <= text[0] && text[0] <= 'z' {
		text = string(text[0]-'a'+'A') + text[1:]
	}
	return text
}

// Error returns Text, followed by the Reason in parentheses if set.
func (e *OSError) Error() string {
	if e.Reason != "" {
		return e.Text() + " (" + e.Reason + ")"
	}
	return e.Text()
}

// Unwrap returns the errno, so that errors.Is(err, unix.ESRCH) works.
func (e *OSError) Unwrap() error { return e.Errno }

// AsOSError converts an error from a system call into an *OSError. A nil
// error stays nil, and an error that is not an errno is returned as is.
func AsOSError(err error) error {
	if err == nil {
		return nil
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return &OSError{Errno: errno}
	}
	return err
}
