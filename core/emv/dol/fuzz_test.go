package dol

import (
	"testing"

	"tilldesk/core/emv/tlv"
)

// FuzzParse feeds arbitrary bytes to the DOL parser: it must never panic, and for a
// DOL it accepts, building its data from any source must give exactly DataLength
// bytes. The seed corpus is in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add(unhex(f, cdol))
	f.Add(unhex(f, "9F0203 9F0307 9F1A02 9506 5F2A02 9A00 9C03 9F3703"))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := Parse(data)
		if err != nil {
			return
		}
		everything := func(tag tlv.Tag) ([]byte, bool) { return data, true }
		for _, source := range []Source{nil, everything, testSources()} {
			if got := Build(entries, source); len(got) != DataLength(entries) {
				t.Fatalf("built %d bytes for %d entries of total length %d", len(got), len(entries), DataLength(entries))
			}
		}
	})
}
