package testca

import (
	"crypto/sha1"
	"fmt"
)

// CAPK is a certification authority public key as a terminal is configured with it
// (EMV Book 2 11.2.2): RID, index, modulus, exponent, and the SHA-1 checksum of
// RID || index || modulus || exponent that the terminal checks it against.
type CAPK struct {
	RID      [5]byte
	Index    byte
	Modulus  []byte
	Exponent []byte
	Checksum [sha1.Size]byte
	Expiry   [2]byte // MMYY in BCD
}

// CAPK is the authority's public key for the terminal.
func (a *Authority) CAPK() CAPK {
	k := CAPK{RID: a.RID, Index: a.Index, Modulus: a.Key.Modulus(), Exponent: a.Key.Exponent(), Expiry: [2]byte{0x12, 0x49}}
	h := sha1.New()
	h.Write(k.RID[:])
	h.Write([]byte{k.Index})
	h.Write(k.Modulus)
	h.Write(k.Exponent)
	k.Checksum = [sha1.Size]byte(h.Sum(nil))
	return k
}

// CAPKs lists every authority's public key.
func (h *Hierarchy) CAPKs() []CAPK {
	out := make([]CAPK, 0, len(h.Authorities))
	for _, a := range h.Authorities {
		out = append(out, a.CAPK())
	}
	return out
}

// String is the key in the hexadecimal form scheme key lists use, one field per line.
func (k CAPK) String() string {
	return fmt.Sprintf("RID %X\nindex %02X\nexponent %X\nmodulus %X\nchecksum %X\nexpiry %X\n",
		k.RID, k.Index, k.Exponent, k.Modulus, k.Checksum, k.Expiry)
}
