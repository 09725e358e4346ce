package sigctl

import "testing"

// FuzzParse: any name parses to a number in range whose canonical name
// parses back to it.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{"TERM", "sigterm", "RTMIN+3", "rtmax-0", "SIG", "", "RTMIN+99999999999999999999", "NONE"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, name string) {
		n, ok := Parse(name)
		if !ok {
			return
		}
		if n < 0 || n > MaxSignum {
			t.Fatalf("Parse(%q) = %d, out of range", name, n)
		}
		canonical, ok := n.Name()
		if !ok {
			t.Fatalf("Parse(%q) = %d, which has no name", name, n)
		}
		if back, ok := Parse(canonical); !ok || back != n {
			t.Fatalf("Parse(%q) = %d but Parse(%q) = %d, %v", name, n, canonical, back, ok)
		}
	})
}
