//go:build !unix

package spinread

// supported reports whether ready can watch a file.
const supported = false

// ready is never called where poll(2) is missing: New returns the file.
func ready(int) bool { return true }
