package users

import (
	"strings"
	"testing"
)

// FuzzParsePHC: the parser never panics; whatever it accepts is within the bounds
// (so verifying it cannot exhaust memory) and formats back to exactly its input.
func FuzzParsePHC(f *testing.F) {
	for _, v := range referenceVectors {
		f.Add(v.encoded)
	}
	for _, s := range []string{
		"", "$", "$argon2id$v=19$", "$argon2id$v=19$m=,t=,p=$$",
		"$argon2id$v=19$m=8,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$m=262144,t=16,p=16$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
		"$argon2id$v=19$m=99999999999,t=1,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParsePHC(s)
		if err != nil {
			if len(s) > 16 && strings.Contains(err.Error(), s) {
				t.Fatalf("the error %q echoes the input", err)
			}
			return
		}
		if err := h.Params.Validate(); err != nil {
			t.Fatalf("accepted out-of-bounds parameters %+v: %v", h.Params, err)
		}
		if got := h.String(); got != s {
			t.Fatalf("ParsePHC(%q).String() = %q", s, got)
		}
		if int(h.SaltLen) != len(h.Salt) || int(h.KeyLen) != len(h.Key) {
			t.Fatalf("lengths %d/%d for salt %d key %d bytes", h.SaltLen, h.KeyLen, len(h.Salt), len(h.Key))
		}
	})
}
