package emvcard

import (
	"testing"

	"tilldesk/core/emv/issuer"
)

// BenchmarkContactTransaction is a whole online contact transaction in process, both
// sides: the card's DDA and CDA signatures, certificates recovered and checked, the
// issuer's ARQC check, online PIN, ARPC and script.
func BenchmarkContactTransaction(b *testing.B) {
	for _, profile := range []string{"unionpay", "mastercard"} {
		b.Run(profile, func(b *testing.B) {
			proto := newCard(b, profile)
			for b.Loop() {
				c := proto.clone()
				term := inProcess(b, c, Contact)
				if _, err := term.Select(c.apps[0].cfg.AID); err != nil {
					b.Fatal(err)
				}
				if r := contactTransaction(b, c, term); r.second != issuer.TC {
					b.Fatalf("second GENERATE AC %s", r.second)
				}
			}
		})
	}
}
