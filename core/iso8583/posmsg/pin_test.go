package posmsg

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"tilldesk/core/iso8583"
)

// aesPIN is an AES DUKPT PIN: the first KSN of the X9.24-3 sample initial key ID and
// a format 4 block of its supplement, here 16 opaque bytes.
func aesPIN() PIN {
	return PIN{
		KSN:   []byte{0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x56, 0x00, 0x00, 0x00, 0x01},
		Block: []byte{0xA9, 0x12, 0x15, 0x03, 0x91, 0xAB, 0x65, 0xA6, 0x7E, 0x52, 0x88, 0x3D, 0x81, 0xCE, 0x2D, 0x15},
	}
}

const aesDE62 = "123456789012345600000001" + "A912150391AB65A67E52883D81CE2D15"

// TestPINFields: where each kind of PIN travels, packed in the UnionPay dialect and
// read back.
func TestPINFields(t *testing.T) {
	tdes := testTransaction().PIN
	tests := []struct {
		name       string
		pin        PIN
		de52       []byte // nil: absent
		de53, de62 string
		format     byte
	}{
		{"TDES DUKPT: block in DE52, KSN in DE62", tdes, tdes.Block, SecurityInfoDefault, "FFFF9876543210E00001", 0},
		{"AES DUKPT: KSN and block in DE62", aesPIN(), nil, SecurityInfoAES, aesDE62, 4},
		{"TDES session key: no KSN", PIN{Block: tdes.Block}, tdes.Block, SecurityInfoDefault, "", 0},
		{"no PIN", PIN{}, nil, "", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tx := testTransaction()
			tx.PIN = tt.pin
			m, err := Sale{tx}.Message()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(m.Bytes(52), tt.de52) || m.Get(53) != tt.de53 || m.Get(62) != tt.de62 || m.Has(52) != (tt.de52 != nil) {
				t.Errorf("DE52 %X DE53 %q DE62 %q", m.Bytes(52), m.Get(53), m.Get(62))
			}
			packed, err := iso8583.UnionPay.Pack(m)
			if err != nil {
				t.Fatal(err)
			}
			unpacked, err := iso8583.UnionPay.Unpack(packed)
			if err != nil {
				t.Fatal(err)
			}
			sale, err := ParseSale(unpacked)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(sale.PIN.Block, tt.pin.Block) || !bytes.Equal(sale.PIN.KSN, tt.pin.KSN) || sale.PIN.Format() != tt.format {
				t.Errorf("parsed PIN block %X KSN %X format %d", sale.PIN.Block, sale.PIN.KSN, sale.PIN.Format())
			}
			if s := m.String(); len(tt.pin.Block) > 0 && strings.Contains(s, "A91215") {
				t.Errorf("the message's dump shows the PIN block: %s", s)
			}
		})
	}
}

func TestPINRejects(t *testing.T) {
	aesNoKSN := aesPIN()
	aesNoKSN.KSN = nil
	aesTDESKSN := aesPIN()
	aesTDESKSN.KSN = testTransaction().PIN.KSN
	tdesAESKSN := testTransaction().PIN
	tdesAESKSN.KSN = aesPIN().KSN
	for _, tt := range []struct {
		name string
		pin  PIN
	}{
		{"AES block without a KSN", aesNoKSN},
		{"AES block with a TDES KSN", aesTDESKSN},
		{"TDES block with an AES KSN", tdesAESKSN},
		{"12-byte block", PIN{Block: make([]byte, 12), KSN: aesPIN().KSN}},
		{"KSN without a block", PIN{KSN: aesPIN().KSN}},
	} {
		tx := testTransaction()
		tx.PIN = tt.pin
		if _, err := (Sale{tx}).Message(); !errors.Is(err, ErrValue) {
			t.Errorf("%s: %v, want ErrValue", tt.name, err)
		}
	}
	// A block in both places is refused when parsing.
	tx := testTransaction()
	m, err := Sale{tx}.Message()
	if err != nil {
		t.Fatal(err)
	}
	m.Set(62, aesDE62)
	if _, err := ParseSale(m); !errors.Is(err, ErrValue) {
		t.Errorf("DE52 and an AES DE62: %v, want ErrValue", err)
	}
}

// FuzzParseCardPIN reads arbitrary DE62 text (with or without a DE52 block) in a
// sale: it must not panic, and PIN data it accepts must build into a sale that parses
// to the same block and KSN (DE26 and DE53 get their defaults). The seed corpus is in testdata/fuzz/FuzzParseCardPIN.
func FuzzParseCardPIN(f *testing.F) {
	f.Add(aesDE62, false)
	f.Add("FFFF9876543210E00001", true)
	f.Fuzz(func(t *testing.T, de62 string, withDE52 bool) {
		tx := testTransaction()
		if !withDE52 {
			tx.PIN = PIN{}
		}
		m, err := Sale{tx}.Message()
		if err != nil {
			t.Fatal(err)
		}
		m.Delete(62)
		if de62 != "" {
			m.Set(62, de62)
		}
		sale, err := ParseSale(m)
		if err != nil {
			return
		}
		built, err := sale.Message()
		if err != nil {
			return // accepted on the way in (a KSN of any length), refused on the way out
		}
		again, err := ParseSale(built)
		if err != nil || !bytes.Equal(again.PIN.Block, sale.PIN.Block) || !bytes.Equal(again.PIN.KSN, sale.PIN.KSN) {
			t.Fatalf("DE62 %q: parsed %+v, rebuilt parses to %+v, %v", de62, sale.PIN, again.PIN, err)
		}
	})
}
