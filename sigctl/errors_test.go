package sigctl

import (
	"errors"
	"fmt"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func TestOSErrorHasTheErrnoNameAndTheCLibraryText(t *testing.T) {
	for _, tc := range []struct {
		errno      syscall.Errno
		name, text string
	}{
		{unix.ESRCH, "ESRCH", "No such process"},
		{unix.EPERM, "EPERM", "Operation not permitted"},
		{unix.EINVAL, "EINVAL", "Invalid argument"},
		{unix.EAGAIN, "EAGAIN", "Resource temporarily unavailable"},
		{unix.ENOSYS, "ENOSYS", "Function not implemented"},
		{unix.EBADF, "EBADF", "Bad file descriptor"},
		{unix.ECHILD, "ECHILD", "No child processes"},
	} {
		e := &OSError{Errno: tc.errno}
		if e.Name() != tc.name || e.Text() != tc.text || e.Error() != tc.text {
			t.Errorf("errno %d: Name %q, Text %q, Error %q; want %q, %q", tc.errno, e.Name(), e.Text(), e.Error(), tc.name, tc.text)
		}
	}
}

func TestOSErrorNamesAnUnknownErrnoByNumber(t *testing.T) {
	e := &OSError{Errno: 4095}
	if got := e.Name(); got != "errno 4095" {
		t.Errorf("Name() = %q, want %q", got, "errno 4095")
	}
	if e.Text() == "" {
		t.Error("Text() is empty")
	}
}

func TestOSErrorAddsTheReasonInParentheses(t *testing.T) {
	e := &OSError{Errno: unix.ESRCH, Reason: "start_time mismatch"}
	if got := e.Error(); got != "No such process (start_time mismatch)" {
		t.Errorf("Error() = %q", got)
	}
	if got := e.Text(); got != "No such process" {
		t.Errorf("Text() = %q; the reason belongs to Error only", got)
	}
}

func TestOSErrorUnwrapsToItsErrno(t *testing.T) {
	var err error = fmt.Errorf("context: %w", &OSError{Errno: unix.ESRCH})
	if !errors.Is(err, unix.ESRCH) || errors.Is(err, unix.EPERM) {
		t.Errorf("errors.Is on %v gives the wrong errno", err)
	}
	var errno syscall.Errno
	if !errors.As(err, &errno) || errno != unix.ESRCH {
		t.Errorf("errors.As(%v) = %v", err, errno)
	}
}

func TestAsOSError(t *testing.T) {
	if AsOSError(nil) != nil {
		t.Error("AsOSError(nil) != nil")
	}
	for _, err := range []error{unix.EPERM, fmt.Errorf("kill: %w", unix.EPERM)} {
		var osErr *OSError
		if got := AsOSError(err); !errors.As(got, &osErr) || osErr.Errno != unix.EPERM {
			t.Errorf("AsOSError(%v) = %#v, want *OSError EPERM", err, got)
		}
	}
	plain := errors.New("not an errno")
	if got := AsOSError(plain); got != plain {
		t.Errorf("AsOSError(plain) = %v, want it unchanged", got)
	}
}
