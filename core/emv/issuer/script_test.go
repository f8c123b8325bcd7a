package issuer

import (
	"bytes"
	"errors"
	"testing"

	"tilldesk/core/emv/cryptogram"
	"tilldesk/core/emv/tlv"
)

// Issuer script secure messaging against the HSM-checked vectors of knovichikhin/pyemv
// tests/test_sm_hsm.py: card keys by option A for PAN 1234567890123456 PSN 01.
func pyemvScriptKeys(t *testing.T) CardKeys {
	keys, err := MastercardCSK.DeriveCardKeys(MasterKeys{
		AC:  key16(t, "FEDCBA98765432100123456789ABCDEF"),
		SMI: key16(t, "0123456789ABCDEFFEDCBA9876543210"),
		SMC: key16(t, "11111111111111112222222222222222"),
	}, "1234567890123456", "01")
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// Common session key scripts (R = the ARQC): the PIN unblock MAC (test_generate_command_mac)
// and the enciphered format 2 PIN block (test_ccd_pin_change).
func TestMastercardScriptVectors(t *testing.T) {
	keys := pyemvScriptKeys(t)
	arqc := [8]byte(unhex(t, "ABCDEF1234567890"))
	got, err := MastercardCSK.SealScriptCommand(&keys, [2]byte{}, arqc, PINUnblock())
	if err != nil || !bytes.Equal(got, unhex(t, "8424000008 CF323F09A0F6AB9E")) {
		t.Fatalf("PIN unblock = %X, %v", got, err)
	}
	cmd, err := MastercardCSK.PINChange(&keys, []byte("9999"), nil)
	if err != nil || cmd.P2 != 0x02 || !bytes.Equal(cmd.Data, unhex(t, "249999FFFFFFFFFF")) {
		t.Fatalf("PIN change = %+v, %v", cmd, err)
	}
	sealed, err := MastercardCSK.SealScriptCommand(&keys, [2]byte{}, arqc, cmd)
	if err != nil || !bytes.Equal(sealed[5:21], unhex(t, "28367E05DE3381C29D30A6055A8DEB86")) || sealed[4] != 24 {
		t.Fatalf("sealed PIN change = %X, %v", sealed, err)
	}
	if _, err := MastercardCSK.PINChange(&keys, []byte("9999"), []byte("1234")); err == nil {
		t.Error("a format 2 PIN change took the current PIN")
	}
}

// Visa secure messaging keys (the master keys XOR the ATC FFFF) and the VIS PIN
// block, without and with the current PIN (test_vis_pin_change and
// test_vis_change_change_current_pin); the MACs there cover the header and data only.
func TestVisaScriptVectors(t *testing.T) {
	keys := pyemvScriptKeys(t)
	atc := [2]byte{0xFF, 0xFF}
	macKey, _ := VisaCVN10.scriptKeys(&keys, atc, [8]byte{})
	for _, tc := range []struct {
		current              []byte
		block, enciphered, p string
		mac                  string
	}{
		{nil, "049999FFC4B001F1", "D421231A6FD2F0FAEE671384F0D3A7B9", "8424000210", "F67E37E67B06AB99"},
		{[]byte("8888"), "8C1199FFC4B001F1", "C29371CC36BA70C1EE671384F0D3A7B9", "8424000110", "6AB3AD15D8B0621A"},
	} {
		cmd, err := VisaCVN10.PINChange(&keys, []byte("9999"), tc.current)
		if err != nil || !bytes.Equal(cmd.Data, unhex(t, tc.block)) {
			t.Fatalf("VIS PIN block = %X, %v; want %s", cmd.Data, err, tc.block)
		}
		_, encKey := VisaCVN10.scriptKeys(&keys, atc, [8]byte{})
		enc := VisaCVN10.encipher(encKey, cmd.Data)
		if !bytes.Equal(enc, unhex(t, tc.enciphered)) {
			t.Fatalf("enciphered = %X", enc)
		}
		mac, _ := cryptogram.RetailMAC(macKey, append(unhex(t, tc.p), enc...), cryptogram.PaddingMethod2)
		if mac != [8]byte(unhex(t, tc.mac)) {
			t.Fatalf("MAC = %X", mac)
		}
		plain, err := VisaCVN10.DecipherScriptData(&keys, atc, [8]byte{}, enc)
		if err != nil {
			t.Fatal(err)
		}
		pin, err := VisaCVN10.PINFromChangeBlock(&keys, plain, tc.current)
		if err != nil || string(pin) != "9999" {
			t.Fatalf("the card reads PIN %q, %v", pin, err)
		}
	}
}

// Every scheme: a command sealed by the issuer opens on the card, and any change to
// it, or the wrong transaction, fails the MAC.
func TestScriptSealOpen(t *testing.T) {
	keys := pyemvScriptKeys(t)
	atc, arqc := [2]byte{0x00, 0x2A}, [8]byte(unhex(t, "1122334455667788"))
	for _, s := range []Scheme{UnionPayCVN01, VisaCVN10, VisaCVN18, MastercardCSK} {
		change, err := s.PINChange(&keys, []byte("654321"), nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, cmd := range []ScriptCommand{ApplicationBlock(), ApplicationUnblock(), CardBlock(), PINUnblock(), PutData(0x9F14, []byte{5}), change} {
			apdu, err := s.SealScriptCommand(&keys, atc, arqc, cmd)
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.OpenScriptCommand(&keys, atc, arqc, apdu)
			if err != nil || got.INS != cmd.INS || got.P1 != cmd.P1 || got.P2 != cmd.P2 {
				t.Fatalf("%s: open %X = %+v, %v", s, apdu, got, err)
			}
			data := got.Data
			if cmd.Enciphered {
				if data, err = s.DecipherScriptData(&keys, atc, arqc, got.Data); err != nil {
					t.Fatalf("%s: decipher: %v", s, err)
				}
			}
			if !bytes.Equal(data, cmd.Data) {
				t.Fatalf("%s: data %X, want %X", s, data, cmd.Data)
			}
			if _, err := s.OpenScriptCommand(&keys, atc, arqc, append(apdu, 0x00)); err != nil {
				t.Errorf("%s: with Le: %v", s, err)
			}
			for i := range apdu {
				bad := bytes.Clone(apdu)
				bad[i] ^= 0x01
				if _, err := s.OpenScriptCommand(&keys, atc, arqc, bad); !errors.Is(err, ErrScriptMAC) {
					t.Fatalf("%s: byte %d changed: %v", s, i, err)
				}
			}
			if _, err := s.OpenScriptCommand(&keys, [2]byte{0, 0x2B}, [8]byte{1}, apdu); !errors.Is(err, ErrScriptMAC) {
				t.Fatalf("%s: another transaction's script opened: %v", s, err)
			}
		}
		for _, bad := range [][]byte{nil, {0x84, 0x1E, 0, 0}, {0x84, 0x1E, 0, 0, 0x07, 1, 2, 3, 4, 5, 6, 7}, {0x80, 0x1E, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8}} {
			if _, err := s.OpenScriptCommand(&keys, atc, arqc, bad); !errors.Is(err, ErrScriptMAC) {
				t.Errorf("%s: malformed %X: %v", s, bad, err)
			}
		}
	}
}

func TestScriptDataErrors(t *testing.T) {
	keys := pyemvScriptKeys(t)
	for _, s := range []Scheme{VisaCVN18, UnionPayCVN01} {
		if _, err := s.DecipherScriptData(&keys, [2]byte{}, [8]byte{}, []byte{1, 2, 3}); err == nil {
			t.Errorf("%s: 3 enciphered bytes accepted", s)
		}
		if _, err := s.DecipherScriptData(&keys, [2]byte{}, [8]byte{}, make([]byte, 8)); err == nil {
			t.Errorf("%s: garbage deciphered", s)
		}
		if _, err := s.PINFromChangeBlock(&keys, []byte{1}, nil); err == nil {
			t.Errorf("%s: short PIN block accepted", s)
		}
	}
	if _, err := VisaCVN18.PINChange(&keys, []byte("12"), nil); err == nil {
		t.Error("2-digit PIN accepted")
	}
	if _, err := MastercardCSK.SealScriptCommand(&keys, [2]byte{}, [8]byte{}, PutData(0x9F14, make([]byte, 250))); err == nil {
		t.Error("an over-long command sealed")
	}
}

func TestScriptTemplate(t *testing.T) {
	got, err := ScriptTemplate(0x72, []byte{0, 0, 0, 1}, []byte{0x84, 0x1E, 0, 0, 0})
	if err != nil || !bytes.Equal(got, unhex(t, "72 0E 9F1804 00000001 8605 841E000000")) {
		t.Fatalf("template = %X, %v", got, err)
	}
	if _, err := ScriptTemplate(tlv.Tag(0x70), nil); err == nil {
		t.Error("template 70 accepted")
	}
}
