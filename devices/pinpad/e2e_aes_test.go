package pinpad

// End-to-end tests of AES DUKPT mode over a pseudo-terminal: the simulated pad holds
// an AES initial key derived from the X9.24-3 sample BDK, builds ISO 9564 format 4
// blocks and sends them in the extended packet 73; the issuer-side verifier
// (core/emv/issuer) derives the PIN key from the BDK and the KSN, deciphers the block
// and checks the PIN against the card's IBM 3624 offset.

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"tilldesk/core/dukpt"
	"tilldesk/core/emv/issuer"
	"tilldesk/devices/pinpad/ipp"
	"tilldesk/devices/sim"
)

// aesRig is a rig whose pad and driver are both in AES mode.
func aesRig(t *testing.T) *rig {
	t.Helper()
	aes, err := sim.TestPINPadConfigFor(ipp.AES)
	if err != nil {
		t.Fatal(err)
	}
	return newRig(t, rigOptions{baud: 115200, pad: Config{Key: ipp.AES}, simCfg: func(c *sim.PINPadConfig) {
		c.Key, c.AESInitialKey, c.AESInitialKeyID = aes.Key, aes.AESInitialKey, aes.AESInitialKeyID
	}})
}

// issuerChecks is the issuer's verdict on an encrypted PIN for the card whose PIN is
// cardPIN: decipher with the AES BDK, then IBM 3624 verification.
func issuerChecks(t *testing.T, pin EncryptedPIN, cardPIN string) bool {
	t.Helper()
	pvk := [16]byte{0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF}
	v, err := issuer.NewPINVerification(pvk, testPAN, []byte(cardPIN))
	if err != nil {
		t.Fatal(err)
	}
	bdk, _ := sim.PINPadAESTestKeys()
	ok, err := issuer.CheckPIN(issuer.BDKs{AES: bdk}, issuer.EncryptedPIN{Format: pin.Format(), Block: pin.Block, KSN: pin.KSN}, testPAN, v)
	if err != nil {
		t.Fatalf("issuer: %v", err)
	}
	return ok
}

func TestAESPINEntryVerifiedByIssuer(t *testing.T) {
	r := aesRig(t)
	ctx := timeout(t, 20*time.Second)
	_, initialKeyID := sim.PINPadAESTestKeys()
	// PINs that are not in the KSNs, where the check of the logs would see them.
	for i, typed := range []string{"802497", "739104"} {
		out := r.requestPIN(t, ctx, testPAN, 12_34)
		r.customerTypes(t, typed)
		res := result(t, out)
		if res.err != nil {
			t.Fatal(res.err)
		}
		pin := res.pin
		want := dukpt.NewAESKSN(initialKeyID, uint32(i+1))
		if pin.Key != ipp.AES || pin.Format() != 4 || len(pin.Block) != 16 || !bytes.Equal(pin.KSN, want[:]) {
			t.Fatalf("transaction %d: %v, block of %d bytes; want format 4 with KSN %s", i+1, pin, len(pin.Block), want)
		}
		if !issuerChecks(t, pin, typed) {
			t.Errorf("transaction %d: the issuer refuses the PIN the customer typed", i+1)
		}
		checkLogsKeepSecrets(t, r.logs.String(), typed, pin)
	}
}

func TestAESWrongPINRefusedByIssuer(t *testing.T) {
	r := aesRig(t)
	ctx := timeout(t, 20*time.Second)
	out := r.requestPIN(t, ctx, testPAN, 99_00)
	r.customerTypes(t, "1235")
	res := result(t, out)
	if res.err != nil {
		t.Fatal(res.err)
	}
	if issuerChecks(t, res.pin, "1234") {
		t.Error("the issuer accepts 1235 for a card whose PIN is 1234")
	}
	// Tampered in transit: a wrong PIN too, not an error.
	res.pin.Block[0] ^= 0x01
	if issuerChecks(t, res.pin, "1235") {
		t.Error("the issuer accepts a tampered block")
	}
}

func TestAESCancel(t *testing.T) {
	r := aesRig(t)
	ctx := timeout(t, 20*time.Second)
	r.customerCancels(t, r.requestPIN(t, ctx, testPAN, 5_00))
	out := r.requestPIN(t, ctx, testPAN, 5_00)
	if err := r.pad.Cancel(ctx); err != nil {
		t.Fatal(err)
	}
	if res := result(t, out); !errors.Is(res.err, ErrAborted) {
		t.Fatalf("till cancels: %v, want ErrAborted", res.err)
	}
	if r.sim.PINBlocks() != 0 {
		t.Errorf("pad encrypted %d blocks", r.sim.PINBlocks())
	}
	// The pad serves the next customer with the first AES counter.
	out = r.requestPIN(t, ctx, testPAN, 5_00)
	r.customerTypes(t, "2468")
	res := result(t, out)
	if res.err != nil || !issuerChecks(t, res.pin, "2468") {
		t.Fatalf("after the cancels: %v", res.err)
	}
	if got := dukpt.AESKSN(res.pin.KSN).Counter(); got != 1 {
		t.Errorf("counter %d after two cancels, want 1", got)
	}
}

// TestSchemeMismatchRefused: a till set for AES at a pad holding TDES keys gets a
// refusal, never a block it would send the acquirer as AES.
func TestSchemeMismatchRefused(t *testing.T) {
	r := newRig(t, rigOptions{pad: Config{Key: ipp.AES}})
	if _, err := r.pad.RequestPIN(timeout(t, 10*time.Second), testPAN, 1_00); !errors.Is(err, ErrRefused) {
		t.Fatalf("AES request to a TDES pad: %v, want ErrRefused", err)
	}
	if r.sim.InEntry() || r.sim.PINBlocks() != 0 {
		t.Error("the TDES pad took a PIN for an AES request")
	}
}
