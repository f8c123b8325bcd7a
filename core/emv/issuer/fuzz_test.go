package issuer

import "testing"

// FuzzParseICCData: any bytes as DE55 are parsed or refused, never a panic, and what
// parses can be checked against an account without a panic either.
func FuzzParseICCData(f *testing.F) {
	acct := Account{PAN: "6299990000000000012", PANSequence: "01", Scheme: UnionPayCVN01}
	f.Add([]byte{0x9F, 0x26, 0x08, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseICCData(data)
		if err != nil {
			return
		}
		for _, s := range []Scheme{UnionPayCVN01, VisaCVN10, VisaCVN18, MastercardCSK} {
			acct.Scheme = s
			_, _ = CheckCryptogram(acct, d)
		}
	})
}

// FuzzOpenScriptCommand: a card given any bytes as a script command refuses them
// with ErrScriptMAC or opens a command it can run, never panicking; deciphering any
// data and reading any PIN change block fail cleanly too.
func FuzzOpenScriptCommand(f *testing.F) {
	keys := CardKeys{AC: [16]byte{1}, SMI: [16]byte{2}, SMC: [16]byte{3}}
	f.Add([]byte{0x84, 0x24, 0x00, 0x02, 0x10, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Fuzz(func(t *testing.T, apdu []byte) {
		for _, s := range []Scheme{UnionPayCVN01, VisaCVN10, VisaCVN18, MastercardCSK} {
			if _, err := s.OpenScriptCommand(&keys, [2]byte{0, 1}, [8]byte{}, apdu); err == nil {
				t.Fatalf("%s: random command % X passed the MAC", s, apdu)
			}
			plain, err := s.DecipherScriptData(&keys, [2]byte{0, 1}, [8]byte{}, apdu)
			if err == nil {
				_, _ = s.PINFromChangeBlock(&keys, plain, nil)
			}
			_, _ = s.PINFromChangeBlock(&keys, apdu, []byte("1234"))
		}
	})
}
