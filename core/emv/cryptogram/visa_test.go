package cryptogram

import "testing"

// The transaction of the pyemv Visa tests.
// Source: knovichikhin/pyemv tests/test_cvn_hsm.py (test_visa_cvn10, test_visa_cvn18).
func pyemvVisaTransaction(t *testing.T) TransactionData {
	return TransactionData{
		AmountAuthorised:        [6]byte(unhex(t, "000000004000")),
		TerminalCountryCode:     [2]byte{0x01, 0x24},
		TVR:                     [5]byte(unhex(t, "8000048000")),
		TransactionCurrencyCode: [2]byte{0x01, 0x24},
		TransactionDate:         [3]byte{0x19, 0x11, 0x05},
		TransactionType:         0x01,
		UnpredictableNumber:     [4]byte(unhex(t, "52BF4585")),
		AIP:                     [2]byte{0x18, 0x00},
		ATC:                     [2]byte{0x00, 0x1C},
	}
}

func TestVisaCVN10(t *testing.T) {
	mk, err := DeriveICCMasterKeyA(key16(t, pyemvIMK), "1234567890123456", "00")
	if err != nil {
		t.Fatal(err)
	}
	checkKCV(t, "ICC MK AC", mk, "BAB0")
	arqc := VisaCVN10Cryptogram(mk, pyemvVisaTransaction(t), [4]byte(unhex(t, "03A06010")))
	if arqc != block8(t, "29CCA15AE665FA2E") {
		t.Fatalf("ARQC = %X", arqc)
	}
	if arpc := VisaCVN10ARPC(mk, arqc, [2]byte{'0', '0'}); arpc != block8(t, "28993816AFAE4AEB") {
		t.Fatalf("ARPC = %X", arpc)
	}
}

func TestVisaCVN18(t *testing.T) {
	mk, err := DeriveICCMasterKeyB(key16(t, pyemvIMK), "1234567890123456", "00")
	if err != nil {
		t.Fatal(err)
	}
	d := pyemvVisaTransaction(t)
	checkKCV(t, "session key", DeriveSessionKey(mk, ATCDiversifier(d.ATC)), "22C8")
	arqc := VisaCVN18Cryptogram(mk, d, unhex(t, "06011203A0B800"))
	if arqc != block8(t, "7A788EA6B8A3E733") {
		t.Fatalf("ARQC = %X", arqc)
	}
	arpc, err := VisaCVN18ARPC(mk, d.ATC, arqc, [4]byte{}, nil)
	if err != nil || arpc != [4]byte(unhex(t, "9AF514C1")) {
		t.Fatalf("ARPC = %X, %v", arpc, err)
	}
}
