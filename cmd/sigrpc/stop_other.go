//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package main

import (
	"os"
	"syscall"
)

// stopSignals are the signals whose default action would end the helper
// and which Go lets a program catch, but SIGHUP, which reopens the audit
// log (see stopper); Go's runtime ignores the others (SIGUSR1, SIGUSR2,
// SIGALRM and the like) already.
var stopSignals = []os.Signal{
	syscall.SIGINT, syscall.SIGQUIT, syscall.SIGILL, syscall.SIGTRAP,
	syscall.SIGABRT, syscall.SIGBUS, syscall.SIGFPE, syscall.SIGSEGV, syscall.SIGSYS,
	syscall.SIGTERM, syscall.SIGEMT,
}

// ignoreUncatchable does nothing: outside Linux, Go's runtime lets a
// program catch every signal that would end it.
func ignoreUncatchable() {}
