package dukpt

import (
	"errors"
	"fmt"
	"testing"

	"tilldesk/core/emv/emvtest"
)

var unhex = emvtest.Hex

func key16(t *testing.T, s string) [16]byte { t.Helper(); return [16]byte(unhex(t, s)) }
func block8(t *testing.T, s string) [8]byte { t.Helper(); return [8]byte(unhex(t, s)) }
func ksn(t *testing.T, s string) KSN        { t.Helper(); return KSN(unhex(t, s)) }

// ANSI X9.24-1:2009 A.4 test data: BDK, initial KSN, IPEK and the clear PIN block of
// PIN 1234 with PAN 4012345678909. Source: openemv/dukpt test/dukpt_tdes_test.c.
const (
	x9BDK        = "0123456789ABCDEFFEDCBA9876543210"
	x9InitialKSN = "FFFF9876543210E00000"
	x9IPEK       = "6AC292FAA1315B4D858AB3A3D7D5933A"
	x9PINBlock   = "041274EDCBA9876F"
)

// One published transaction: KSN, transaction (future) key and encrypted PIN block.
type tdesVector struct{ ksn, key, encryptedPIN string }

// ANSI X9.24-1:2009 A.4.2, the first 21 transactions.
// Source: openemv/dukpt test/dukpt_tdes_test.c (ksn_verify, txn_key_verify,
// encrypted_pinblock_verify).
var x9Initial = []tdesVector{
	{"FFFF9876543210E00001", "042666B49184CFA368DE9628D0397BC9", "1B9C1845EB993A7A"},
	{"FFFF9876543210E00002", "C46551CEF9FD24B0AA9AD834130D3BC7", "10A01C8D02C69107"},
	{"FFFF9876543210E00003", "0DF3D9422ACA56E547676D07AD6BADFA", "18DC07B94797B466"},
	{"FFFF9876543210E00004", "279C0F6AEED0BE652B2C733E1383AE91", "0BC79509D5645DF7"},
	{"FFFF9876543210E00005", "5F8DC6D2C845C125508DDC048093B83F", "5BC0AF22AD87B327"},
	{"FFFF9876543210E00006", "5E415CB0BAF9F03CD0C14B63FB62FF43", "A16DF70AE36158D8"},
	{"FFFF9876543210E00007", "0C8F780B7C8B49D0AE84A9EB2A6CE660", "27711C16CB257F8E"},
	{"FFFF9876543210E00008", "27F66D5244FF62E1AA6F6120EDEB4280", "50E55547A5027551"},
	{"FFFF9876543210E00009", "27E31064FDC565698900E2057F658E7E", "536CF7F678ACFC8D"},
	{"FFFF9876543210E0000A", "6CF2500A22507C7CC776CEADC1E33014", "EDABBA23221833FE"},
	{"FFFF9876543210E0000B", "3E8260BA04B2D620C01482B3819A18B7", "2328981C57B4BDBA"},
	{"FFFF9876543210E0000C", "B716E1E11CF53D80726CAEE75C3A624F", "038D03CC926CF286"},
	{"FFFF9876543210E0000D", "E072EDF95340535FB6C581C58FBF2533", "6C8AA97088B62C68"},
	{"FFFF9876543210E0000E", "A80046087F5B8F245AAD95E18429084F", "F17C9E1D72CD4950"},
	{"FFFF9876543210E0000F", "93DD5B956C4878472E453AAEFD32A5AA", "B170F6E7F7F2F64A"},
	{"FFFF9876543210E00010", "59598DCBD9BD94C094165CE453585F57", "D5D9638559EF53D6"},
	{"FFFF9876543210E00011", "2B5F01F4F0CC05EA639D523231BF1BA2", "D544F8CDD292C863"},
	{"FFFF9876543210E00012", "9CF640F279C2AEE615F725EEEAC2CBAF", "7A21BD10F36DC41D"},
	{"FFFF9876543210E00013", "C3DF489FDF1153B4F03DE97C27DC4C2F", "78649BD17D0DFA60"},
	{"FFFF9876543210E00014", "658488507721B3F14737FA93F923CBD2", "7E7E16EA0C31AD56"},
	{"FFFF9876543210E00015", "E161D1956A61F6D2F37AFD7F9CC3699A", "72105C22EBC791E6"},
}

// ANSI X9.24-1:2009 A.4.3, counters around the skip of counters with more than ten
// one bits. Source: openemv/dukpt test/dukpt_tdes_test.c (ksn_verify2,
// txn_key_verify2, encrypted_pinblock_verify2).
var x9Rollover = []tdesVector{
	{"FFFF9876543210EFF800", "F9CDFEBF4F5B1D9EB3EC12454527E176", "33365F5CC6F23C35"},
	{"FFFF9876543210EFF801", "5BEE92627E97825C911BF619DF72CA3B", "3A86BF003F835C9D"},
	{"FFFF9876543210EFF802", "64CA2F8AB93F61B01620B00BF77C7301", "3DB977D05C36DF3F"},
	{"FFFF9876543210EFF804", "35A168695B3BA83307E871C42021DD37", "BA83243305712099"},
	{"FFFF9876543210EFF808", "12C380FCB72ED3C26FC6079AF63F4787", "B0DA04AC90A36D85"},
	{"FFFF9876543210EFF810", "D8007C833A1E3C49C6889B97A68C54FF", "2CF02BD9C309EEDA"},
	{"FFFF9876543210EFF820", "A9C9FF9B735FDD49591F296B0BF0FD70", "9D1E2F77AEEE81C6"},
	{"FFFF9876543210EFF840", "0E3E221062CB5E03A384602783A004FA", "40870B0F8BA2011C"},
	{"FFFF9876543210EFF880", "CA8225C587124DFBB87F279C0BE29727", "22E340D6ABB40981"},
	{"FFFF9876543210EFF900", "906AAC1751D4971A144D52C76C6E1F97", "1A4C10AFBA03A430"},
	{"FFFF9876543210EFFA00", "2B9E2CE7C2750337E10B54D2989EA6AF", "849763B43E5F9CFF"},
	{"FFFF9876543210EFFC00", "F9430DF975082491C77BE4EF4FDB91EE", "DEFC6F09F8927B71"},
	{"FFFF9876543210F00000", "AA4D58DB653EC74A48C75F2F047DD2B5", "73EC88AD0AC5830E"},
}

func TestDeriveIPEK(t *testing.T) {
	// Any counter in the KSN is ignored.
	for _, k := range []string{x9InitialKSN, "FFFF9876543210E00001", "FFFF9876543210FFFFFF"} {
		if got := DeriveIPEK(key16(t, x9BDK), ksn(t, k)); got != key16(t, x9IPEK) {
			t.Errorf("DeriveIPEK(%s) = %X, want %s", k, got, x9IPEK)
		}
	}
}

func TestHostDerivesPublishedKeys(t *testing.T) {
	ipek := key16(t, x9IPEK)
	for _, v := range append(x9Initial, x9Rollover...) {
		key, err := TransactionKey(ipek, ksn(t, v.ksn))
		if err != nil || key != key16(t, v.key) {
			t.Fatalf("KSN %s: key %X, %v; want %s", v.ksn, key, err, v.key)
		}
		if got := EncryptPINBlock(key, block8(t, x9PINBlock)); got != block8(t, v.encryptedPIN) {
			t.Fatalf("KSN %s: PIN block %X, want %s", v.ksn, got, v.encryptedPIN)
		}
		if got := DecryptPINBlock(key, block8(t, v.encryptedPIN)); got != block8(t, x9PINBlock) {
			t.Fatalf("KSN %s: decrypted %X", v.ksn, got)
		}
	}
}

// Transaction keys and their variants from the BDK for counters 1 to 5.
// Source: shenyan1206/dukpt test/test_dukpt.js (std = future key; pin, mac = request
// MAC variant; data = data request variant encrypted under itself).
func TestKeyVariants(t *testing.T) {
	tests := []struct{ ksn, std, pin, mac, data string }{
		{"FFFF9876543210E00001", "042666B49184CFA368DE9628D0397BC9", "042666B49184CF5C68DE9628D0397B36", "042666B4918430A368DE9628D03984C9", "448D3F076D8304036A55A3D7E0055A78"},
		{"FFFF9876543210E00002", "C46551CEF9FD24B0AA9AD834130D3BC7", "C46551CEF9FD244FAA9AD834130D3B38", "C46551CEF9FDDBB0AA9AD834130DC4C7", "F1BE73B36135C5C26CF937D50ABBE5AF"},
		{"FFFF9876543210E00003", "0DF3D9422ACA56E547676D07AD6BADFA", "0DF3D9422ACA561A47676D07AD6BAD05", "0DF3D9422ACAA9E547676D07AD6B52FA", "EEEEF522C67239E4A2A65FEBF4C511F4"},
		{"FFFF9876543210E00004", "279C0F6AEED0BE652B2C733E1383AE91", "279C0F6AEED0BE9A2B2C733E1383AE6E", "279C0F6AEED041652B2C733E13835191", "BCF2610997C3AC3C5F13AE965A1B773B"},
		{"FFFF9876543210E00005", "5F8DC6D2C845C125508DDC048093B83F", "5F8DC6D2C845C1DA508DDC048093B8C0", "5F8DC6D2C8453E25508DDC048093473F", "F3054D8B7471284BDB4EE18AFC3B091B"},
	}
	for _, tt := range tests {
		k := ksn(t, tt.ksn)
		std, err := TransactionKey(DeriveIPEK(key16(t, x9BDK), k), k)
		if err != nil || std != key16(t, tt.std) {
			t.Fatalf("%s: key %X, %v", tt.ksn, std, err)
		}
		for name, got := range map[string][16]byte{tt.pin: PINKey(std), tt.mac: MACRequestKey(std), tt.data: DataRequestKey(std)} {
			if got != key16(t, name) {
				t.Errorf("%s: got %X, want %s", tt.ksn, got, name)
			}
		}
	}
}

// No published vector was found for the response variants; they are checked against
// the variant constants of X9.24-1:2009 (MAC response 00000000FF000000 in each half;
// data response 000000FF00000000, then encrypted under itself).
func TestResponseVariants(t *testing.T) {
	std := key16(t, "042666B49184CFA368DE9628D0397BC9")
	if got, want := MACResponseKey(std), key16(t, "042666B46E84CFA368DE96282F397BC9"); got != want {
		t.Errorf("MACResponseKey = %X, want %X", got, want)
	}
	variant := key16(t, "0426664B9184CFA368DE96D7D0397BC9")
	if got, want := DataResponseKey(std), selfEncrypted(variant); got != want {
		t.Errorf("DataResponseKey = %X, want %X", got, want)
	}
	if DataResponseKey(std) == DataRequestKey(std) || MACResponseKey(std) == MACRequestKey(std) {
		t.Error("request and response keys must differ")
	}
}

func TestTransactionKeyRejectsBadCounters(t *testing.T) {
	ipek := key16(t, x9IPEK)
	for _, k := range []string{x9InitialKSN, "FFFF9876543210E007FF"} { // counter 0; 11 one bits
		if _, err := TransactionKey(ipek, ksn(t, k)); !errors.Is(err, ErrCounter) {
			t.Errorf("TransactionKey(%s) = %v, want ErrCounter", k, err)
		}
	}
}

func TestKSN(t *testing.T) {
	k := ksn(t, "FFFF9876543210EFF801")
	if k.Counter() != 0x0FF801 || k.WithCounter(0x100000).String() != "FFFF9876543210F00000" {
		t.Fatalf("counter %X, with %s", k.Counter(), k.WithCounter(0x100000))
	}
	if fmt.Sprint(k.WithCounter(0)) != "FFFF9876543210E00000" {
		t.Fatal(k.WithCounter(0))
	}
}
