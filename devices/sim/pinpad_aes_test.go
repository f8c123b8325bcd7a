package sim

// The simulated PIN pad in AES DUKPT mode, driven with raw bytes: the extended Z60 and
// packet 73 of devices/pinpad/ipp (aes.go) to the byte.

import (
	"bytes"
	"testing"

	"tilldesk/core/dukpt"
	"tilldesk/core/pinblock"
	"tilldesk/devices/pinpad/ipp"
)

// fixedFill is the format 4 PIN field's random half in these tests.
var fixedFill = bytes.Repeat([]byte{0x5A}, 64)

func aesTestConfig(t *testing.T) PINPadConfig {
	t.Helper()
	cfg, err := TestPINPadConfigFor(ipp.AES)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Random = bytes.NewReader(fixedFill)
	return cfg
}

func TestAESPINPadEncrypts(t *testing.T) {
	r := newRawTill(t, aesTestConfig(t))
	r.startEntry(ipp.AES)
	if err := r.pad.PressDigits("4315"); err != nil {
		t.Fatal(err)
	}
	if err := r.pad.PressEnter(); err != nil {
		t.Fatal(err)
	}
	// The expected packet 73 the issuer's way round: the initial key from the AES BDK
	// and the initial key ID, the first transaction's derivation key, its PIN key,
	// and the format 4 block of PIN and PAN with the same fill.
	bdk, initialKeyID := PINPadAESTestKeys()
	ksn := dukpt.NewAESKSN(initialKeyID, 1)
	ik, err := dukpt.DeriveAESInitialKey(bdk, initialKeyID)
	if err != nil {
		t.Fatal(err)
	}
	tk, err := dukpt.AESTransactionKey(ik, ksn)
	if err != nil {
		t.Fatal(err)
	}
	pinKey, err := dukpt.AESWorkingKey(tk, ksn, dukpt.UsagePINEncryption, dukpt.AES128)
	if err != nil {
		t.Fatal(err)
	}
	block, err := pinblock.EncodeAndEncipherFormat4(pinKey, []byte("4315"), rawTestPAN, bytes.NewReader(fixedFill))
	if err != nil {
		t.Fatal(err)
	}
	want := r.frame(ipp.AESPINBlockResponse(ksn, block))
	r.expect(want)
	r.send([]byte{ipp.ACK})
	if err := r.pad.WaitForIdle(waitCtx(t)); err != nil {
		t.Fatal(err)
	}
	if n := r.pad.PINBlocks(); n != 1 {
		t.Errorf("pad encrypted %d blocks, want 1", n)
	}
}

// TestPINPadRefusesOtherScheme: a Z60 asking for the keys the pad does not hold is
// answered with entry error 5, in either direction, and no counter is spent.
func TestPINPadRefusesOtherScheme(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  PINPadConfig
		ask  ipp.KeyScheme
	}{
		{"AES request to a TDES pad", TestPINPadConfig(), ipp.AES},
		{"TDES request to an AES pad", aesTestConfig(t), ipp.TDES},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newRawTill(t, tt.cfg)
			req, err := ipp.PINRequest(rawTestPAN, tt.ask)
			if err != nil {
				t.Fatal(err)
			}
			r.send(r.frame(req))
			refusal, _ := ipp.PINErrorResponse(ipp.EntryNotDUKPT)
			r.expect(append([]byte{ipp.ACK}, r.frame(refusal)...))
			r.send([]byte{ipp.ACK})
			if r.pad.InEntry() || r.pad.PINBlocks() != 0 {
				t.Errorf("pad took the PIN: in entry %v, %d blocks", r.pad.InEntry(), r.pad.PINBlocks())
			}
		})
	}
}

func TestAESPINPadNoPIN(t *testing.T) {
	r := newRawTill(t, aesTestConfig(t))
	r.startEntry(ipp.AES)
	if err := r.pad.PressEnter(); err != nil {
		t.Fatal(err)
	}
	r.expect(r.frame(ipp.NoPINResponse(ipp.AES)))
	r.send([]byte{ipp.ACK})
}

func TestLoadPadKeysRefusesBadKeys(t *testing.T) {
	for _, cfg := range []PINPadConfig{
		{Key: ipp.AES, AESInitialKey: make([]byte, 15)},
		{Key: ipp.KeyScheme(9)},
	} {
		if _, err := NewPINPad(nil, cfg); err == nil {
			t.Errorf("pad with %v keys of %d bytes started", cfg.Key, len(cfg.AESInitialKey))
		}
	}
}
