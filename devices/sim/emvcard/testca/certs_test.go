package testca

import (
	"bytes"
	"crypto/sha1"
	"math/big"
	"testing"

	"tilldesk/devices/sim/emvcard/emvcardtest"
)

// recoverBlock, checkHash and recoveredKey are emvcardtest's independent recovery
// (RSA public operation, format checks, SHA-1 over the recovered data and the rest),
// failing the test on error.
func recoverBlock(t *testing.T, modulus, exponent, signature []byte, format byte) []byte {
	t.Helper()
	block, err := emvcardtest.Recover(modulus, exponent, signature, format)
	if err != nil {
		t.Fatal(err)
	}
	return block
}

func checkHash(t *testing.T, block []byte, extra ...[]byte) {
	t.Helper()
	if err := emvcardtest.CheckHash(block, extra...); err != nil {
		t.Fatal(err)
	}
}

func recoveredKey(t *testing.T, block []byte, fixed int, remainder []byte) []byte {
	t.Helper()
	key, err := emvcardtest.CertifiedKey(block, fixed, remainder)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func defaultHierarchy(t *testing.T) *Hierarchy {
	t.Helper()
	h, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// Each issuer certificate recovers under its CAPK and names the issuer's key.
func TestIssuerCertificates(t *testing.T) {
	h := defaultHierarchy(t)
	for _, iss := range h.Issuers {
		capk := iss.Authority.CAPK()
		block := recoverBlock(t, capk.Modulus, capk.Exponent, iss.Certificate, FormatIssuerCertificate)
		exponent := iss.Key.Exponent()
		checkHash(t, block, iss.Remainder, exponent)
		id, _ := packDigits(iss.Identifier, 4)
		if !bytes.Equal(block[2:6], id) || !bytes.Equal(block[6:8], iss.Expiry[:]) || !bytes.Equal(block[8:11], iss.Serial[:]) {
			t.Errorf("%s: identifier, expiry or serial % X", iss.Name, block[2:11])
		}
		if block[11] != 0x01 || block[12] != 0x01 || int(block[14]) != len(exponent) {
			t.Errorf("%s: algorithms or exponent length % X", iss.Name, block[11:15])
		}
		if got := recoveredKey(t, block, 15, iss.Remainder); !bytes.Equal(got, iss.Key.Modulus()) {
			t.Errorf("%s: the certificate holds another key", iss.Name)
		}
		if wantRemainder := iss.Key.Size() > capk.size()-36; wantRemainder != (len(iss.Remainder) > 0) {
			t.Errorf("%s: remainder of %d bytes", iss.Name, len(iss.Remainder))
		}
	}
}

func (k CAPK) size() int { return len(k.Modulus) }

// An ICC certificate and SDA and DDA signatures, recovered the terminal's way.
func TestCardSignatures(t *testing.T) {
	h := defaultHierarchy(t)
	static := []byte("5A08499999000000001F5F2403301231 and the rest of the records")
	for _, iss := range h.Issuers {
		icc, err := iss.ICCKey(0)
		if err != nil {
			t.Fatal(err)
		}
		cert, remainder, err := iss.CertifyICC(icc.Public(), iss.Identifier+"0000000001", [2]byte{0x12, 0x30}, [3]byte{1, 2, 3}, static)
		if err != nil {
			t.Fatal(err)
		}
		block := recoverBlock(t, iss.Key.Modulus(), iss.Key.Exponent(), cert, FormatICCCertificate)
		checkHash(t, block, remainder, icc.Exponent(), static)
		panField := append([]byte{0x00}, block[2:12]...)
		if want, _ := packDigits(iss.Identifier+"0000000001", 10); !bytes.Equal(panField[1:], want) || block[11] != 0xFF {
			t.Errorf("%s: PAN field % X", iss.Name, block[2:12])
		}
		if got := recoveredKey(t, block, 21, remainder); !bytes.Equal(got, icc.Modulus()) {
			t.Errorf("%s: the ICC certificate holds another key", iss.Name)
		}

		sda, err := iss.SignStaticData([2]byte{0xDA, 0xC1}, static)
		if err != nil {
			t.Fatal(err)
		}
		block = recoverBlock(t, iss.Key.Modulus(), iss.Key.Exponent(), sda, FormatSignedStaticData)
		checkHash(t, block, static)
		if block[2] != 0x01 || block[3] != 0xDA || block[4] != 0xC1 || bytes.Count(block[5:len(block)-21], []byte{0xBB}) != len(block)-26 {
			t.Errorf("%s: SDA block % X", iss.Name, block[:8])
		}

		dynamic := []byte{0x08, 1, 2, 3, 4, 5, 6, 7, 8}
		terminal := []byte{0xDE, 0xAD, 0xBE, 0xEF}
		sdad, err := SignDynamicData(icc, dynamic, terminal)
		if err != nil {
			t.Fatal(err)
		}
		block = recoverBlock(t, icc.Modulus(), icc.Exponent(), sdad, FormatSignedDynamicData)
		checkHash(t, block, terminal)
		if block[2] != 0x01 || int(block[3]) != len(dynamic) || !bytes.Equal(block[4:4+len(dynamic)], dynamic) {
			t.Errorf("%s: DDA block % X", iss.Name, block[:16])
		}
		if _, err := SignDynamicData(icc, make([]byte, icc.Size()-24), nil); err == nil {
			t.Errorf("%s: over-long dynamic data signed", iss.Name)
		}
	}
}

func TestCertificateErrors(t *testing.T) {
	h := defaultHierarchy(t)
	up, _ := h.Issuer("unionpay")
	mc, _ := h.Issuer("mastercard")
	if _, _, err := mc.Authority.CertifyIssuer(up.Key.Public(), "559999", [2]byte{}, [3]byte{}); err == nil {
		t.Error("an issuer key longer than the CA key certified")
	}
	if _, _, err := up.Authority.CertifyIssuer(up.Key.Public(), "62", [2]byte{}, [3]byte{}); err == nil {
		t.Error("a 2-digit issuer identifier certified")
	}
	if _, _, err := up.Authority.CertifyIssuer(up.Key.Public(), "123456789", [2]byte{}, [3]byte{}); err == nil {
		t.Error("a 9-digit issuer identifier certified")
	}
	if _, _, err := mc.CertifyICC(up.Key.Public(), "5599990000000024", [2]byte{}, [3]byte{}, nil); err == nil {
		t.Error("an ICC key longer than the issuer key certified")
	}
	if _, _, err := up.CertifyICC(mc.Key.Public(), "55999900000X0024", [2]byte{}, [3]byte{}, nil); err == nil {
		t.Error("a PAN with a letter certified")
	}
	if _, err := h.Issuer("amex"); err == nil {
		t.Error("unknown issuer found")
	}
	if _, err := up.ICCKey(iccKeysPerIssuer); err == nil {
		t.Error("ICC key past the end")
	}
}

func TestCAPKs(t *testing.T) {
	h := defaultHierarchy(t)
	seen := map[[6]byte]bool{}
	for i, k := range h.CAPKs() {
		l := layout[i]
		h := sha1.Sum(append(append(append(append([]byte(nil), k.RID[:]...), k.Index), k.Modulus...), k.Exponent...))
		if k.Checksum != h || k.RID != l.rid || k.Index != l.index || len(k.Modulus)*8 != l.caBits {
			t.Errorf("%s: CAPK %X %02X of %d bits, checksum %X", l.name, k.RID, k.Index, len(k.Modulus)*8, k.Checksum)
		}
		if e := new(big.Int).SetBytes(k.Exponent).Int64(); e != int64(l.caE) {
			t.Errorf("%s: exponent %d", l.name, e)
		}
		id := [6]byte(append(k.RID[:], k.Index))
		if seen[id] {
			t.Errorf("CAPK %X listed twice", id)
		}
		seen[id] = true
		if s := k.String(); !bytes.Contains([]byte(s), []byte("checksum")) {
			t.Errorf("String() = %q", s)
		}
	}
}

func TestGenerateKey(t *testing.T) {
	a, err := GenerateKey([]byte("seed"), "label", 512, 3)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := GenerateKey([]byte("seed"), "label", 512, 3)
	c, _ := GenerateKey([]byte("seed"), "other", 512, 65537)
	if a.N.Cmp(b.N) != 0 || a.N.Cmp(c.N) == 0 || a.N.BitLen() != 512 || c.E != 65537 {
		t.Fatal("keys are not a function of seed and label")
	}
	block := make([]byte, a.Size())
	block[0], block[a.Size()-1] = 0x6A, 0xBC
	sig, err := a.Sign(block)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := a.Public().Recover(sig); err != nil || !bytes.Equal(got, block) {
		t.Fatalf("recover = % X, %v", got, err)
	}
	for _, bad := range []struct{ bits, e int }{{500, 3}, {2048, 3}, {1024, 5}} {
		if _, err := GenerateKey(nil, "x", bad.bits, bad.e); err == nil {
			t.Errorf("%d bits e=%d accepted", bad.bits, bad.e)
		}
	}
	if _, err := a.Sign(block[1:]); err == nil {
		t.Error("short block signed")
	}
	if _, err := a.Sign(bytes.Repeat([]byte{0xFF}, a.Size())); err == nil {
		t.Error("block above the modulus signed")
	}
	if _, err := a.Public().Recover(sig[1:]); err == nil {
		t.Error("short signature recovered")
	}
	if _, err := a.Public().Recover(bytes.Repeat([]byte{0xFF}, a.Size())); err == nil {
		t.Error("signature above the modulus recovered")
	}
	if _, err := parseKeys("label 3 zz 11\n"); err == nil {
		t.Error("bad hex in keys.txt accepted")
	}
	if _, err := parseKeys("label 3\n"); err == nil {
		t.Error("short line in keys.txt accepted")
	}
	if _, err := parseKeys("label 3 b b\n"); err == nil {
		t.Error("p = q accepted")
	}
}
