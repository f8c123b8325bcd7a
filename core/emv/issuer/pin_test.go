package issuer

import (
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
	enc := EncryptedPIN{Block: [8]byte(unhex(t, "1B9C1845EB993A7A")), KSN: dukpt.KSN(unhex(t, "FFFF9876543210E00001"))}
	if ok, err := CheckPIN(bdk, enc, "4012345678909", v); !ok || err != nil {
		t.Fatalf("published PIN block rejected: %v", err)
	}
	other, _ := NewPINVerification(pvk, "4012345678909", []byte("4321"))
	if ok, err := CheckPIN(bdk, enc, "4012345678909", other); ok || err != nil {
		t.Fatalf("PIN 1234 passed as 4321: %v", err)
	}
	wrongKey := bdk
	wrongKey[0] ^= 0x02
	if ok, err := CheckPIN(wrongKey, enc, "4012345678909", v); ok || err != nil {
		t.Fatalf("another BDK: %v, %v", ok, err)
	}
	if _, err := CheckPIN(bdk, EncryptedPIN{KSN: dukpt.KSN(unhex(t, "FFFF9876543210E00000"))}, "4012345678909", v); err == nil {
		t.Error("counter 0 accepted")
	}
	if _, err := CheckPIN(bdk, enc, "40", v); err == nil {
		t.Error("bad PAN accepted")
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
	return EncryptedPIN{Block: dukpt.EncryptPINBlock(tk, block), KSN: ksn}
}
