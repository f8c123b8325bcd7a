// Package emvtest holds what the tests of the EMV, PIN block and DUKPT packages share.
// Only tests import it.
package emvtest

import (
	"encoding/hex"
	"strings"
	"testing"
)

// Hex decodes a test vector written in hexadecimal; spaces are allowed for
// readability. A malformed vector fails the test at once.
func Hex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad test vector %q: %v", s, err)
	}
	return b
}
