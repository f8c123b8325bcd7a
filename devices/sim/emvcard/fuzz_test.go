package emvcard

import (
	"encoding/binary"
	"testing"
)

// fuzzProfiles are the cards the fuzzer picks from with its first byte.
var fuzzProfiles = []string{"unionpay", "visa", "mastercard", "wallet", "signature", "cobadged"}

// FuzzProcess feeds the card sequences of arbitrary commands: byte 0 picks the card,
// byte 1 the interface (a card without it is tapped or inserted instead), then each
// command is a length byte and that many bytes. Whatever comes, the card must not
// panic and must end every answer with a status word: 61xx to 6Fxx, or 9000.
func FuzzProcess(f *testing.F) {
	f.Add([]byte{1, 0, 4, 0x00, 0xA4, 0x04, 0x00})
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) < 2 {
			return
		}
		c := newCard(t, fuzzProfiles[int(in[0])%len(fuzzProfiles)])
		iface := Interface(in[1] & 1)
		p, err := c.Present(iface)
		if err != nil {
			p, _ = c.Present(1 - iface)
		}
		p.Reset()
		for rest := in[2:]; len(rest) > 0; {
			n := min(int(rest[0]), len(rest)-1)
			cmd := rest[1 : 1+n]
			rest = rest[1+n:]
			resp := p.Process(cmd)
			if len(resp) < 2 {
				t.Fatalf("% X: answer % X has no status word", cmd, resp)
			}
			sw := binary.BigEndian.Uint16(resp[len(resp)-2:])
			if sw != swOK && (sw>>8 < 0x61 || sw>>8 > 0x6F) {
				t.Fatalf("% X: status word %04X", cmd, sw)
			}
			if sw != swOK && len(resp) > 2 && sw != swFileInvalidated {
				t.Fatalf("% X: data with error %04X", cmd, sw)
			}
		}
	})
}
