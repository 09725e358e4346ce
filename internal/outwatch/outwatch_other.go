//go:build !linux

package outwatch

import "os"

// Watch watches nothing outside Linux, where what poll(2) reports for a
// pipe whose reader has gone has not been tested; the helper then learns
// that its reader has gone when it next writes.
func Watch(out *os.File, gone func()) (release func(), err error) {
	return func() {}, nil
}

// Gone reports false outside Linux, where Watch watches nothing.
func Gone(out *os.File) bool { return false }
