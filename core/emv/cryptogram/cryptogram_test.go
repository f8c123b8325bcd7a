package cryptogram

import (
	"testing"

	"tilldesk/core/emv/emvtest"
)

var unhex = emvtest.Hex

func key16(t *testing.T, s string) [16]byte { t.Helper(); return [16]byte(unhex(t, s)) }
func block8(t *testing.T, s string) [8]byte { t.Helper(); return [8]byte(unhex(t, s)) }

// kcv2 is the two-byte key check value the pyemv HSM tests compare.
func kcv2(key [16]byte) [2]byte { v := KeyCheckValue(key); return [2]byte(v[:2]) }

func checkKCV(t *testing.T, what string, key [16]byte, want string) {
	t.Helper()
	if got := kcv2(key); got != [2]byte(unhex(t, want)) {
		t.Fatalf("%s check value %X, want %s", what, got, want)
	}
}

// The issuer master key of the pyemv tests, KCV 08D7.
const pyemvIMK = "0123456789ABCDEFFEDCBA9876543210"

// Whole keys. Source: knovichikhin/pyemv pyemv/kd.py docstring examples.
func TestKeyDerivationDocExamples(t *testing.T) {
	imk := key16(t, pyemvIMK)
	checkKCV(t, "IMK", imk, "08D7")
	a, err := DeriveICCMasterKeyA(imk, "12345678901234567", "01")
	if err != nil || a != key16(t, "73AD54688CEF2934B0979857E3C719F1") {
		t.Fatalf("option A = %X, %v", a, err)
	}
	b, err := DeriveICCMasterKeyB(imk, "12345678901234567", "01")
	if err != nil || b != key16(t, "AD406D7F6D7570916D75E5DCAB8CF737") {
		t.Fatalf("option B = %X, %v", b, err)
	}
	if sk := DeriveSessionKey(imk, block8(t, "001C000000000000")); sk != key16(t, "E9FB384AF807B940FEDCEA613461B0C4") {
		t.Fatalf("session key = %X", sk)
	}
}

// Master key option and ARQC/ARPC chains checked on an HSM by pyemv, by key check
// values. Source: knovichikhin/pyemv tests/test_kd_hsm.py and tests/test_ac_hsm.py.
func TestHSMCheckedChains(t *testing.T) {
	tests := []struct {
		name      string
		optionB   bool
		pan, psn  string
		mkKCV     string
		r, data   string
		padding   Padding
		skKCV     string
		arqc      string
		arpcKey   string // "mk" or "sk"
		arpc1RC   string // ARPC method 1 with this ARC, or
		csu, prop string // ARPC method 2 with this CSU and proprietary data
		arpc      string
	}{
		{"A with PSN", false, "12345678901234567", "45", "FF08", "1234567890123456", "0123456789ABCDEF0123456789ABCDEF", PaddingMethod2, "DF82", "19C1FBC83EBDC0D5", "mk", "0000", "", "", "78A372523FA35A03"},
		{"A without PSN", false, "12345678901234567", "", "", "1234567890123456", "0123456789ABCDEF0123456789ABCDEF", PaddingMethod2, "3F4F", "8698A7319324FD93", "mk", "0000", "", "", "BEA11C8F4A47EF6F"},
		{"ARPC 1 under session key", false, "12345678901234567", "45", "FF08", "1234567890123456", "0123456789ABCDEF0123456789ABCDEF", PaddingMethod2, "DF82", "19C1FBC83EBDC0D5", "sk", "0000", "", "", "C3620580668E5B65"},
		{"B with 16-digit PAN", true, "1234567890123456", "", "BAB0", "1234567890123456", "0123456789ABCDEF0123456789ABCDEF", PaddingMethod2, "BC19", "0CE77D211CB5459A", "sk", "", "00000000", "", "8CD9AA5D"},
		{"B with 17 digits and PSN", true, "12345678901234567", "45", "0BAF", "1234567890123456", "0123456789ABCDEF0123456789ABCDEF", PaddingMethod2, "4262", "5760EE07B4FA65D1", "sk", "", "00000000", "", "106B81D9"},
		{"B with 17 digits", true, "12345678901234567", "", "4626", "1234567890123456", "0123456789ABCDEF0123456789ABCDEF", PaddingMethod2, "7F36", "0BAA251EA8989442", "sk", "", "00000000", "", "C1C41F3A"},
		{"B with 18 digits", true, "123456789012345679", "00", "C2F3", "1234567890123456", "0123456789ABCDEF0123456789ABCDEF", PaddingMethod2, "7C35", "DC95BCE3EBBE0296", "sk", "", "00000000", "", "ECCA0C4B"},
		{"B hash short of digits", true, "000000000000000005", "23", "DD73", "001C000000000000",
			"0000000040000000000000000124800004800001241911050152BF45851800001C06011203A0B800", PaddingMethod2, "04F8", "8CAD6F2489C640B1", "sk", "", "00000000", "12345678", "E39F1876"},
		{"EMV padding", false, "9901234567890123", "45", "1DA5", "1234567890123456", "0123456789ABCDEF0123456789ABCDEF", PaddingMethod2, "0995", "4B46013359B7A58B", "mk", "0000", "", "", "F8C9CECAABD55AD1"},
		{"Visa padding", false, "9901234567890123", "45", "1DA5", "1234567890123456", "0123456789ABCDEF0123456789ABCDEF01", PaddingMethod1, "0995", "2E141C6BC4A20DA8", "mk", "0000", "", "", "16A49AAB314B9262"},
		{"Visa padding not needed", false, "9901234567890123", "45", "1DA5", "1234567890123456", "0123456789ABCDEF0123456789ABCDEF", PaddingMethod1, "0995", "922F3E83125EB46B", "mk", "0000", "", "", "8AE6E836084B0E80"},
		{"ARPC 2 with proprietary data", false, "9901234567890123", "45", "1DA5", "1234567890123456", "0123456789ABCDEF0123456789ABCDEF", PaddingMethod2, "0995", "4B46013359B7A58B", "sk", "", "00000000", "1234567890ABCDEF", "4962B76C"},
		{"ARPC 2 without", false, "9901234567890123", "45", "1DA5", "1234567890123456", "0123456789ABCDEF0123456789ABCDEF", PaddingMethod2, "0995", "4B46013359B7A58B", "sk", "", "00000000", "", "7DFB1188"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			derive := DeriveICCMasterKeyA
			if tt.optionB {
				derive = DeriveICCMasterKeyB
			}
			mk, err := derive(key16(t, pyemvIMK), tt.pan, tt.psn)
			if err != nil {
				t.Fatal(err)
			}
			if tt.mkKCV != "" {
				checkKCV(t, "ICC master key", mk, tt.mkKCV)
			}
			sk := DeriveSessionKey(mk, block8(t, tt.r))
			checkKCV(t, "session key", sk, tt.skKCV)
			data := unhex(t, tt.data)
			arqc, err := GenerateAC(sk, data, tt.padding)
			if err != nil || arqc != block8(t, tt.arqc) {
				t.Fatalf("ARQC = %X, %v; want %s", arqc, err, tt.arqc)
			}
			if ok, err := VerifyAC(sk, data, tt.padding, arqc); !ok || err != nil {
				t.Fatalf("VerifyAC rejects its own ARQC: %v", err)
			}
			arpcKey := sk
			if tt.arpcKey == "mk" {
				arpcKey = mk
			}
			var arpc []byte
			if tt.arpc1RC != "" {
				a := ARPCMethod1(arpcKey, arqc, [2]byte(unhex(t, tt.arpc1RC)))
				arpc = a[:]
			} else {
				a, err := ARPCMethod2(arpcKey, arqc, [4]byte(unhex(t, tt.csu)), unhex(t, tt.prop))
				if err != nil {
					t.Fatal(err)
				}
				arpc = a[:]
			}
			if want := unhex(t, tt.arpc); string(arpc) != string(want) {
				t.Fatalf("ARPC = %X, want %s", arpc, tt.arpc)
			}
		})
	}
}

// Source: knovichikhin/pyemv pyemv/ac.py docstring examples (generate_ac,
// generate_arpc_1, generate_arpc_2).
func TestACDocExamples(t *testing.T) {
	sk := key16(t, "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBB")
	data := unhex(t, "000000002000 000000000000 0124 0000008000 0124 110309 00 3804823E 5800 0001")
	if ac, err := GenerateAC(sk, data, PaddingMethod2); err != nil || ac != block8(t, "3B76CF10FECD8789") {
		t.Fatalf("AC = %X, %v", ac, err)
	}
	arqc := block8(t, "1234567890ABCDEF")
	if arpc := ARPCMethod1(sk, arqc, [2]byte{}); arpc != block8(t, "F5E6F44147E2F1B0") {
		t.Fatalf("ARPC 1 = %X", arpc)
	}
	if arpc, err := ARPCMethod2(sk, arqc, [4]byte{}, nil); err != nil || arpc != [4]byte(unhex(t, "9308BEBC")) {
		t.Fatalf("ARPC 2 = %X, %v", arpc, err)
	}
}

// Mastercard-style session key with R = ATC || 0000 || UN, from an ICC master key
// derived by option A. Source: https://gist.github.com/Nosmadas/e16602117f067d9cc66c7756e4d63c4e
// (ArqcGeneratorTests: GenerateIccMasterKey, GenerateSessionKey).
func TestMastercardSessionKey(t *testing.T) {
	mk, err := DeriveICCMasterKeyA(key16(t, "9E15204313F7318ACB79B90BD986AD29"), "5204730000000013", "00")
	if err != nil || mk != key16(t, "23EA67CDB0315D7C581F0ED6077A761F") {
		t.Fatalf("ICC MK = %X, %v", mk, err)
	}
	sk := DeriveSessionKey(mk, ATCAndUNDiversifier([2]byte{0x01, 0xF6}, [4]byte(unhex(t, "040F2741"))))
	if sk != key16(t, "A8D5A18040B3D915573170ABA816084C") {
		t.Fatalf("session key = %X", sk)
	}
}

func TestVerifyACRejectsOtherCryptograms(t *testing.T) {
	sk := key16(t, "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBB")
	data := []byte("amount and the rest")
	ac, _ := GenerateAC(sk, data, PaddingMethod2)
	ac[7] ^= 1
	if ok, err := VerifyAC(sk, data, PaddingMethod2, ac); ok || err != nil {
		t.Fatalf("altered AC verified: %v", err)
	}
	if _, err := VerifyAC(sk, data, Padding(3), ac); err == nil {
		t.Fatal("unknown padding accepted")
	}
}

func TestInputChecks(t *testing.T) {
	imk := key16(t, pyemvIMK)
	for _, c := range []struct{ pan, psn string }{{"", "00"}, {"12345678901234567890", "00"}, {"1234X", "00"}, {"1234", "1"}, {"1234", "0A"}} {
		if _, err := DeriveICCMasterKeyA(imk, c.pan, c.psn); err == nil {
			t.Errorf("option A accepted PAN %q PSN %q", c.pan, c.psn)
		}
		if _, err := DeriveICCMasterKeyB(imk, c.pan, c.psn); err == nil {
			t.Errorf("option B accepted PAN %q PSN %q", c.pan, c.psn)
		}
	}
	if _, err := ARPCMethod2(imk, [8]byte{}, [4]byte{}, make([]byte, 9)); err == nil {
		t.Error("9 bytes of proprietary data accepted")
	}
	if _, err := RetailMAC(imk, nil, Padding(0)); err == nil {
		t.Error("padding 0 accepted")
	}
	// Method 1 pads empty data to one zero block (ISO/IEC 9797-1); no published vector,
	// so it is checked against the MAC of an explicit zero block.
	empty, _ := RetailMAC(imk, nil, PaddingMethod1)
	zero, _ := RetailMAC(imk, make([]byte, 8), PaddingMethod1)
	if empty != zero {
		t.Error("empty data under method 1")
	}
}
