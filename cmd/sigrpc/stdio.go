package main

import (
	"errors"
	"io"
	"os"
)

// checkStdio returns an error if stdin or stdout, where they are files,
// is closed or the null device. Go's runtime puts /dev/null in place of a
// standard descriptor that is closed when a program starts, so the two
// cannot be told apart; either way there is nothing to serve: no request
// can come from it, or no answer can reach anyone.
func checkStdio(stdin io.Reader, stdout io.Writer) error {
	null, err := os.Stat(os.DevNull)
	if err != nil {
		return nil // no null device to be
	}
	isNull := func(f *os.File) bool {
		fi, err := f.Stat()
		return err == nil && os.SameFile(fi, null)
	}
	if f, ok := stdout.(*os.File); ok && isNull(f) {
		return errors.New("standard output is closed (or /dev/null): no answer could be read; refusing to start")
	}
	if f, ok := stdin.(*os.File); ok && isNull(f) {
		return errors.New("standard input is closed (or /dev/null): no request could come; refusing to start")
	}
	return nil
}
