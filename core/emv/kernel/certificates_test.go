package kernel

import (
	"bytes"
	"errors"
	"testing"
)

func testCAPK(t testing.TB, rid string, index byte, modulus, checksum string) CAPK {
	t.Helper()
	k, err := NewCAPK([5]byte(unhex(t, rid)), index, unhex(t, modulus), []byte{0x03}, unhex(t, checksum))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestNewCAPKChecksum(t *testing.T) {
	k := testCAPK(t, "A000000003", 0x94, visaCAPK94Modulus, visaCAPK94Checksum)
	if len(k.Modulus) != 248 {
		t.Fatalf("modulus %d bytes", len(k.Modulus))
	}
	testCAPK(t, "A000000004", 0xF1, mastercardCAPKF1Modulus, mastercardCAPKF1Checksum)
	bad := unhex(t, visaCAPK94Checksum)
	bad[19] ^= 1
	if _, err := NewCAPK([5]byte(unhex(t, "A000000003")), 0x94, unhex(t, visaCAPK94Modulus), []byte{3}, bad); err == nil {
		t.Fatal("a wrong checksum was accepted")
	}
	if _, err := NewCAPK([5]byte(unhex(t, "A000000003")), 0x94, unhex(t, visaCAPK94Modulus), []byte{5}, nil); err == nil {
		t.Fatal("exponent 5 accepted")
	}
}

// emv-utils tests/emv_rsa_test.c: the issuer certificate recovers to issuer
// 476173, expiry 12/31, serial 03DA0A, a 176-byte key with exponent 3; the hash
// checks with an empty remainder and exponent 03, and the last byte changed does
// not recover.
func TestRecoverIssuerKeyVisa(t *testing.T) {
	capk := testCAPK(t, "A000000003", 0x94, visaCAPK94Modulus, visaCAPK94Checksum)
	ca := newPublicKey(capk.Modulus, capk.Exponent)
	ic, err := recoverIssuerKey(ca, unhex(t, visaIssuerCert), nil, []byte{0x03}, "4761739001010119", 20250506)
	if err != nil {
		t.Fatal(err)
	}
	if ic.IssuerID != [4]byte{0x47, 0x61, 0x73, 0xFF} || ic.Expiry != [2]byte{0x12, 0x31} || ic.Serial != [3]byte{0x03, 0xDA, 0x0A} {
		t.Fatalf("certificate fields %X %X %X", ic.IssuerID, ic.Expiry, ic.Serial)
	}
	if !bytes.Equal(ic.Modulus, unhex(t, visaIssuerModulus)) || !bytes.Equal(ic.Exponent, []byte{3}) {
		t.Fatalf("issuer key %X", ic.Modulus)
	}
	tests := []struct {
		name     string
		cert     []byte
		exponent []byte
		pan      string
		today    int
	}{
		{"last byte changed", func() []byte { c := unhex(t, visaIssuerCert); c[len(c)-1] ^= 1; return c }(), []byte{3}, "4761739001010119", 20250506},
		{"wrong exponent (emv-utils invalid ICC data)", unhex(t, visaIssuerCert), []byte{1, 0, 1}, "4761739001010119", 20250506},
		{"issuer identifier not the PAN's", unhex(t, visaIssuerCert), []byte{3}, "4761749001010119", 20250506},
		{"expired", unhex(t, visaIssuerCert), []byte{3}, "4761739001010119", 20320101},
		{"wrong length", unhex(t, visaIssuerCert)[1:], []byte{3}, "4761739001010119", 20250506},
	}
	for _, tt := range tests {
		if _, err := recoverIssuerKey(ca, tt.cert, nil, tt.exponent, tt.pan, tt.today); !errors.Is(err, ErrODA) {
			t.Errorf("%s: err = %v, want ErrODA", tt.name, err)
		}
	}
	// Valid through the last day of the expiry month.
	if _, err := recoverIssuerKey(ca, unhex(t, visaIssuerCert), nil, []byte{3}, "4761739001010119", 20311231); err != nil {
		t.Errorf("on the last valid day: %v", err)
	}
}

// emv-utils tests/emv_rsa_test.c: the ICC certificate recovers (PAN, expiry 12/22,
// serial 000001, 176-byte key with a 42-byte remainder, hash B8D9B5F7...). The
// vector comes without the card's static data, so the full check must fail on the
// hash, as it does in emv-utils (result 9); the signed static data recovers to
// DAC DAC0 and hash 4E282197....
func TestRecoverICCKeyAndSignedStaticDataVisa(t *testing.T) {
	capk := testCAPK(t, "A000000003", 0x94, visaCAPK94Modulus, visaCAPK94Checksum)
	issuer := newPublicKey(unhex(t, visaIssuerModulus), []byte{3})
	rec, err := issuer.recover(unhex(t, visaICCCert), "ICC certificate")
	if err != nil {
		t.Fatal(err)
	}
	if rec[1] != formatICCCertificate || !bytes.Equal(rec[2:12], unhex(t, "4761739001010119FFFF")) ||
		!bytes.Equal(rec[12:17], unhex(t, "1222000001")) || rec[19] != 176 || rec[20] != 1 {
		t.Fatalf("recovered ICC certificate header %X", rec[:21])
	}
	if !bytes.Equal(rec[len(rec)-21:len(rec)-1], unhex(t, "B8D9B5F7A12DC0D77FC0B2F7BBACA514939CAD60")) {
		t.Fatalf("hash field %X", rec[len(rec)-21:len(rec)-1])
	}
	_, err = recoverICCKey(issuer, unhex(t, visaICCCert), unhex(t, visaICCRemainder), []byte{3}, nil, "4761739001010119", 20220101)
	if !errors.Is(err, ErrODA) {
		t.Fatalf("without the static data the hash must fail: %v", err)
	}
	ssad, err := issuer.recover(unhex(t, visaSSAD), "SSAD")
	if err != nil {
		t.Fatal(err)
	}
	if ssad[1] != formatSignedStatic || ssad[2] != hashSHA1 || !bytes.Equal(ssad[3:5], []byte{0xDA, 0xC0}) ||
		!bytes.Equal(ssad[len(ssad)-21:len(ssad)-1], unhex(t, "4E2821974D704E338E7218F887763F7BDCE2B814")) {
		t.Fatalf("recovered SSAD %X", ssad)
	}
	bad := unhex(t, visaSSAD)
	bad[len(bad)-1] ^= 0x0F
	if _, err := verifySignedStaticData(issuer, bad, nil); !errors.Is(err, ErrODA) {
		t.Fatalf("changed SSAD: %v", err)
	}
	_ = capk
}

// emv-utils tests/emv_rsa_cda_test.c: Mastercard test key F1, issuer certificate
// (issuer 541333, expiry 12/27, serial 000001, 112-byte key), ICC certificate
// (96-byte key with a 26-byte remainder) and a CDA signature over the unpredictable
// number 8B55633B: ICC dynamic number 537EB5E03CC433C8, CID 00, cryptogram
// 55B6408DBC985131, transaction data hash A04620C5....
func TestCDASignatureMastercard(t *testing.T) {
	capk := testCAPK(t, "A000000004", 0xF1, mastercardCAPKF1Modulus, mastercardCAPKF1Checksum)
	ic, err := recoverIssuerKey(newPublicKey(capk.Modulus, capk.Exponent), unhex(t, mastercardIssuerCert), nil, []byte{3}, "5413330089020011", 20250506)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ic.Modulus, unhex(t, mastercardIssuerModulus)) || ic.Expiry != [2]byte{0x12, 0x27} {
		t.Fatalf("issuer key %X expiry %X", ic.Modulus, ic.Expiry)
	}
	issuer := newPublicKey(ic.Modulus, ic.Exponent)
	rec, err := issuer.recover(unhex(t, mastercardICCCert), "ICC certificate")
	if err != nil {
		t.Fatal(err)
	}
	iccModulus, err := assembleModulus(rec[21:len(rec)-21], int(rec[19]), unhex(t, mastercardICCRemainder), "ICC")
	if err != nil || len(iccModulus) != 96 || iccModulus[0] != 0x90 || iccModulus[95] != 0x55 {
		t.Fatalf("ICC modulus %X, %v", iccModulus, err)
	}
	if !bytes.Equal(rec[len(rec)-21:len(rec)-1], unhex(t, "91566E18006E2CBA8D286484A9E6BA9E32B48D1E")) {
		t.Fatalf("ICC certificate hash field %X", rec[len(rec)-21:len(rec)-1])
	}
	icc := newPublicKey(iccModulus, []byte{3})
	sdad, err := verifySignedDynamicData(icc, unhex(t, mastercardSDAD), unhex(t, "8B55633B"))
	if err != nil {
		t.Fatal(err)
	}
	want := "08537EB5E03CC433C8" + "00" + "55B6408DBC985131" + "A04620C52455EA8F2370647AF36748A2CA4AA9F6"
	if !bytes.Equal(sdad.ICCDynamicData, unhex(t, want)) || !bytes.Equal(sdad.ICCDynamicNumber, unhex(t, "537EB5E03CC433C8")) {
		t.Fatalf("dynamic data %X", sdad.ICCDynamicData)
	}
	if _, err := verifySignedDynamicData(icc, unhex(t, mastercardSDAD), unhex(t, "8B55633C")); !errors.Is(err, ErrODA) {
		t.Fatalf("another unpredictable number: %v", err)
	}
	bad := unhex(t, mastercardSDAD)
	bad[len(bad)-1] ^= 1
	if _, err := verifySignedDynamicData(icc, bad, unhex(t, "8B55633B")); !errors.Is(err, ErrODA) {
		t.Fatalf("changed signature: %v", err)
	}
}

func TestCertificateHelpers(t *testing.T) {
	if !panMatches([]byte{0x47, 0x61, 0x73, 0xFF}, "4761739001010119", 3, 8) || panMatches([]byte{0x47, 0xFF, 0xFF, 0xFF}, "4761739001010119", 3, 8) {
		t.Error("panMatches")
	}
	if !certificateValid([2]byte{0x12, 0x31}, 20311231) || certificateValid([2]byte{0x12, 0x31}, 20320101) || certificateValid([2]byte{0x13, 0x31}, 20200101) {
		t.Error("certificateValid")
	}
	if _, err := assembleModulus(make([]byte, 10), 12, []byte{1}, "x"); !errors.Is(err, ErrODA) {
		t.Error("short remainder accepted")
	}
}
