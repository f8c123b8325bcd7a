package issuer

import (
	"errors"
	"testing"

	"tilldesk/core/dukpt"
	"tilldesk/core/pinblock"
)

// IBM 3624 natural PIN 4524 with table 1234567890123456. Source: knovichikhin/psec
// psec/pin.py (generate_ibm3624_pin and generate_ibm3624_offset examples).
func TestIBM3624Published(t *testing.T) {
	v := PINVerification{Key: key16(t, "0123456789ABCDEFFEDCBA9876543210"), DecimalisationTable: "1234567890123456", Offset: "0000"}
	if ok, err := v.Verify("1122334455667788", []byte("4524")); !ok || err != nil {
		t.Fatalf("natural PIN 4524 rejected: %v", err)
	}
	natural, _ := v.naturalPIN("1122334455667788", 4)
	if string(natural) != "4524" {
		t.Fatalf("natural PIN %s", natural)
	}
}

func TestPINVerification(t *testing.T) {
	pvk := key16(t, "0123456789ABCDEFFEDCBA9876543210")
	for _, pin := range []string{"1234", "000000", "987654321098"} {
		v, err := NewPINVerification(pvk, "6299990000000000012", []byte(pin))
		if err != nil || len(v.Offset) != len(pin) {
			t.Fatalf("offset for a %d-digit PIN: %q, %v", len(pin), v.Offset, err)
		}
		if ok, err := v.Verify("6299990000000000012", []byte(pin)); !ok || err != nil {
			t.Errorf("%d-digit PIN rejected: %v", len(pin), err)
		}
		wrong := []byte(pin)
		wrong[0] = '0' + (wrong[0]-'0'+1)%10
		if ok, _ := v.Verify("6299990000000000012", wrong); ok {
			t.Errorf("wrong %d-digit PIN accepted", len(pin))
		}
		if ok, _ := v.Verify("6299990000000000012", []byte(pin)[:len(pin)-1]); ok {
			t.Errorf("the %d-digit PIN less its last digit accepted", len(pin))
		}
	}
	for _, bad := range []struct {
		pan, pin string
	}{{"629999", "1234"}, {"62999900000000000X2", "1234"}, {"6299990000000000012", "12"}, {"6299990000000000012", "12a4"}} {
		if _, err := NewPINVerification(pvk, bad.pan, []byte(bad.pin)); err == nil {
			t.Errorf("PAN %q PIN length %d accepted", bad.pan, len(bad.pin))
		}
	}
	if _, err := (PINVerification{DecimalisationTable: "123"}).naturalPIN("6299990000000000012", 4); err == nil {
		t.Error("short decimalisation table accepted")
	}
}

// The X9.24-1 A.4 PIN block (PIN 1234, PAN 4012345678909, KSN FFFF9876543210E00001,
// block 1B9C1845EB993A7A) decrypted with the test BDK.
func TestCheckPINPublishedDUKPT(t *testing.T) {
	bdk := key16(t, "0123456789ABCDEFFEDCBA9876543210")
	pvk := key16(t, "FEDCBA98765432100123456789ABCDEF")
	v, err := NewPINVerification(pvk, "4012345678909", []byte("1234"))
	if err != nil {
		t.Fatal(err)
	}
	enc := EncryptedPIN{Block: unhex(t, "1B9C1845EB993A7A"), KSN: unhex(t, "FFFF9876543210E00001")}
	bdks := BDKs{TDES: bdk}
	if ok, err := CheckPIN(bdks, enc, "4012345678909", v); !ok || err != nil {
		t.Fatalf("published PIN block rejected: %v", err)
	}
	other, _ := NewPINVerification(pvk, "4012345678909", []byte("4321"))
	if ok, err := CheckPIN(bdks, enc, "4012345678909", other); ok || err != nil {
		t.Fatalf("PIN 1234 passed as 4321: %v", err)
	}
	wrongKey := bdk
	wrongKey[0] ^= 0x02
	if ok, err := CheckPIN(BDKs{TDES: wrongKey}, enc, "4012345678909", v); ok || err != nil {
		t.Fatalf("another BDK: %v, %v", ok, err)
	}
	if _, err := CheckPIN(bdks, EncryptedPIN{Block: make([]byte, 8), KSN: unhex(t, "FFFF9876543210E00000")}, "4012345678909", v); err == nil {
		t.Error("counter 0 accepted")
	}
	if _, err := CheckPIN(bdks, enc, "40", v); err == nil {
		t.Error("bad PAN accepted")
	}
	for _, bad := range []EncryptedPIN{{Format: 1, Block: enc.Block, KSN: enc.KSN}, {Block: enc.Block[:7], KSN: enc.KSN}, {Format: 4, Block: make([]byte, 16), KSN: make([]byte, 12)}} {
		if _, err := CheckPIN(bdks, bad, "4012345678909", v); !errors.Is(err, ErrPINFormat) {
			t.Errorf("format %d, %d-byte block: %v", bad.Format, len(bad.Block), err)
		}
	}
}

// The X9.24-3 supplement's first AES DUKPT transaction: BDK FEDCBA98..F1F1, initial
// key ID 1234567890123456, counter 1, PIN 1234 and PAN 4111111111111111 in an ISO
// 9564 format 4 block A912150391AB65A67E52883D81CE2D15 (as in core/pinblock's tests).
func TestCheckPINPublishedAESDUKPT(t *testing.T) {
	bdks := BDKs{AES: unhex(t, "FEDCBA9876543210F1F1F1F1F1F1F1F1")}
	enc := EncryptedPIN{Format: 4, Block: unhex(t, "A912150391AB65A67E52883D81CE2D15"), KSN: unhex(t, "1234567890123456 00000001")}
	pvk := key16(t, "FEDCBA98765432100123456789ABCDEF")
	for pin, want := range map[string]bool{"1234": true, "4321": false} {
		v, _ := NewPINVerification(pvk, "4111111111111111", []byte(pin))
		if ok, err := CheckPIN(bdks, enc, "4111111111111111", v); ok != want || err != nil {
			t.Errorf("PIN %s: %v, %v", pin, ok, err)
		}
	}
	if _, err := CheckPIN(bdks, EncryptedPIN{Format: 4, Block: enc.Block, KSN: unhex(t, "1234567890123456 00000000")}, "4111111111111111", PINVerification{}); err == nil {
		t.Error("AES counter 0 accepted")
	}
	if _, err := CheckPIN(BDKs{AES: make([]byte, 5)}, enc, "4111111111111111", PINVerification{}); err == nil {
		t.Error("a 5-byte AES BDK accepted")
	}
}

// encryptPIN is what a PIN pad with the BDK's IPEK would send for a PIN.
func encryptPIN(t *testing.T, bdk [16]byte, counter uint32, pin, pan string) EncryptedPIN {
	t.Helper()
	ksn := dukpt.KSN(unhex(t, "FFFF9876543210E00000")).WithCounter(counter)
	tk, err := dukpt.TransactionKey(dukpt.DeriveIPEK(bdk, ksn), ksn)
	if err != nil {
		t.Fatal(err)
	}
	block, err := pinblock.EncodeFormat0([]byte(pin), pan)
	if err != nil {
		t.Fatal(err)
	}
	enc := dukpt.EncryptPINBlock(tk, block)
	return EncryptedPIN{Block: enc[:], KSN: ksn[:]}
}
