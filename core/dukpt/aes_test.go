package dukpt

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

// ANSI X9.24-3:2017 B.1 sample data: AES-128 BDK, initial key ID and initial key.
// Sources: openemv/dukpt test/dukpt_aes128_test.c; moov-io/dukpt pkg/aes/aes_test.go.
const (
	aesBDK128   = "FEDCBA9876543210F1F1F1F1F1F1F1F1"
	aesIK128    = "1273671EA26AC29AFA4D1084127652A1"
	aesIKIDText = "1234567890123456"
)

// The X9.24-3:2017 supplement test vectors, published by ASC X9 at
// https://x9.org/wp-content/uploads/2018/03/X9.24-3-2017-Test-Vectors-20180129-1.pdf
// (derivation keys also in openemv/dukpt test/dukpt_aes128_test.c, PIN keys in
// teamforage/forage-android-sdk .../pos/encryption/DukptFixtures.kt).
const x9AES = "https://x9.org/wp-content/uploads/2018/03/X9.24-3-2017-Test-Vectors-20180129-1.pdf"

func aesIKID(t *testing.T) [8]byte { t.Helper(); return [8]byte(unhex(t, aesIKIDText)) }

func TestDeriveAESInitialKey(t *testing.T) {
	tests := []struct{ bdk, ik string }{
		{aesBDK128, aesIK128},
		// AES-256 BDK; source: openemv/dukpt test/dukpt_aes_test.c.
		{aesBDK128 + aesBDK128, "CE9CE0C101D1138F97FB6CAD4DF045A7083D4EAE2D35A31789D01CCF0949550F"},
	}
	for _, tt := range tests {
		ik, err := DeriveAESInitialKey(unhex(t, tt.bdk), aesIKID(t))
		if err != nil || !bytes.Equal(ik, unhex(t, tt.ik)) {
			t.Errorf("IK from %s = %X, %v; want %s", tt.bdk, ik, err, tt.ik)
		}
	}
}

// Derivation keys of the AES-128 IK by counter.
// Source: openemv/dukpt test/dukpt_aes128_test.c (txn_key_verify, txn_key_verify2,
// txn_key_verify3: the supplement's first eight, 0x1FFFE to 0x20001 and last four).
var aes128TransactionKeys = []struct {
	counter uint32
	key     string
}{
	{1, "4F21B565BAD9835E112B6465635EAE44"},
	{2, "2F34D68DE10F68D38091A73B9E7C437C"},
	{3, "031504E530365CF81264238540518318"},
	{4, "0EEFC7ADA628BA68878DA9165A8A1887"},
	{5, "C2A7AC328A5DA2D6002D62465BFC028B"},
	{6, "D30F7D9351DA58448A2F5E92B4EE3B7D"},
	{7, "A8253CEED9AC042C54F75D35C8352278"},
	{8, "718EE6CF0B27E53D5F7AF99C4D8146A2"},
	{0x1FFFE, "E21E8C8D347F8561A2BE752DAA85A111"},
	{0x20000, "F7AE9025468A25D37B7249CFFED224C8"},
	{0x20001, "692C8EA4013645135B36497131DF9D2C"},
	{0xFFFE2000, "48E585B694EB0B18D5C35443E163C0BA"},
	{0xFFFE4000, "396C2C7CA1EA701C03B86B7D41F0C562"},
	{0xFFFE8000, "0387625F189B58AE03EF0E8CCA41105E"},
	{0xFFFF0000, "F6BA59389BD14A9855BE9727E7C52E3C"},
}

func TestAESTransactionKey(t *testing.T) {
	for _, v := range aes128TransactionKeys {
		key, err := AESTransactionKey(unhex(t, aesIK128), NewAESKSN(aesIKID(t), v.counter))
		if err != nil || !bytes.Equal(key, unhex(t, v.key)) {
			t.Errorf("counter %X: %X, %v; want %s", v.counter, key, err, v.key)
		}
	}
	for _, c := range []uint32{0, 0x1FFFF} { // the initial KSN; 17 one bits
		if _, err := AESTransactionKey(unhex(t, aesIK128), NewAESKSN(aesIKID(t), c)); !errors.Is(err, ErrCounter) {
			t.Errorf("counter %X: %v, want ErrCounter", c, err)
		}
	}
}

// Working keys of each usage and type; source: the supplement (x9AES) for every row.
func TestAESWorkingKeys(t *testing.T) {
	tests := []struct {
		ik      string
		counter uint32
		usage   KeyUsage
		keyType KeyType
		want    string
	}{
		{aesIK128, 1, UsagePINEncryption, AES128, "AF8CB133A78F8DC2D1359F18527593FB"},
		{aesIK128, 1, UsageMACGeneration, AES128, "A2DC23DE6FDE0824A2BC321E08E4B8B7"},
		{aesIK128, 1, UsageDataEncrypt, AES128, "A35C412EFD41FDB98B69797C02DCD08F"},
		{aesIK128, 1, UsageKeyEncryption, AES128, "36A724B7BEFA5A25F5E7B5782A4554A2"},
		{aesIK128, 2, UsagePINEncryption, AES128, "D30BDC73EC9714B000BEC66BDB7B6D09"},
		{aesIK128, 8, UsagePINEncryption, AES128, "4D9DF3FBEE3448FC3E676D04320A90F5"},
		{aesIK128, 8, UsageMACGeneration, AES128, "6FD572E5D59E618875F193484F9178FB"},
		{aesIK128, 8, UsageDataEncrypt, AES128, "650F34204ABD4E57764D61AC3D266FB1"},
		{aesIK128, 1, UsagePINEncryption, TDES2, "630C706D9546E47D4449313F61C4D4AB"},
		{aesIK128, 1, UsageMACGeneration, TDES2, "5D8FD787E8A796D07035FFCA9B5800BB"},
		{aesIK128, 1, UsagePINEncryption, TDES3, "EA8B3F37EB9B15831167EF2977FD8762D9B5913F35766F6A"},
		{"CE9CE0C101D1138F97FB6CAD4DF045A7083D4EAE2D35A31789D01CCF0949550F", 1, UsagePINEncryption, AES256,
			"8C1AB7BEE973829E30242E0BBBDD4946D540C98FC1B5BDCF94790001A23FD502"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d/%04X/%04X", tt.counter, uint16(tt.usage), uint16(tt.keyType)), func(t *testing.T) {
			k := NewAESKSN(aesIKID(t), tt.counter)
			txn, err := AESTransactionKey(unhex(t, tt.ik), k)
			if err != nil {
				t.Fatal(err)
			}
			got, err := AESWorkingKey(txn, k, tt.usage, tt.keyType)
			if err != nil || !bytes.Equal(got, unhex(t, tt.want)) {
				t.Fatalf("got %X, %v; want %s (%s)", got, err, tt.want, x9AES)
			}
		})
	}
}

// After loading the initial key, register i holds the derivation key for counter
// 1<<i. Source: teamforage/forage-android-sdk
// forage-android/src/test/java/com/joinforage/forage/android/pos/encryption/DukptFixtures.kt
// (IntermediateKeys.AfterLoadKey).
var aesRegistersAfterLoad = []string{
	"4f21b565bad9835e112b6465635eae44", "2f34d68de10f68d38091a73b9e7c437c", "0eefc7ada628ba68878da9165a8a1887",
	"718ee6cf0b27e53d5f7af99c4d8146a2", "7459762eed7f51d08567ed6598dfbea2", "1ed39390b4448c69819eb55f4c616564",
	"c13bda0a56d6998e544e0a10a3d979da", "089f6b989ca13d49a6a0317f85460ce5", "065355a6a3dd4c2260bdddfa0c16704e",
	"cf16febc5cfd1a741a3280564a9681f2", "4bf8eb1daf9f4244332ed01663eb654e", "492248fee0fe87e8b5db7bb2ac7bc955",
	"18690547eb19d28efaf5ef6d22c271aa", "84f4cca45c4f1d4e063f1ce5b95b6c7f", "4ec5fc0c3cd62aff174a37b6fdc2b0d9",
	"9ef99a4d5fd548a23d299074047f7f6b", "f4c6237db49e28bf96e6a18cd8cdda00", "f7ae9025468a25d37b7249cffed224c8",
	"579594a986e87917382a181576fa7a9a", "5aaf46aad7593e0d224e05e13629ed1e", "5787eb837b6ffb3af24759f8625cec19",
	"988a3ab89b9332a15d0be2c54c279923", "e55171636976bdc5758a6fa4c25f0008", "df16d5bac52ffa7564d7dbd2de7c6ccf",
	"145e8c933fc0d61900592035cf18a5af", "fbdf917e209b42f9db8843d18bee8033", "61c70779f920bbd37815c21b5a1a7b75",
	"97d7bb3fc342b9e961308bb8b801775b", "69b453118411404db54ae2b751f02f43", "7cce4e679f4fc3478e3cd4509d64a7f3",
	"36af4aa9fc1100b2ae7742101540340a", "9dc56486499a2e857fdefc4740641ea8",
}

// PIN encryption keys of transactions 1 to 8; same file, WorkingKeys.
var aesPINKeys = []string{
	"af8cb133a78f8dc2d1359f18527593fb", "d30bdc73ec9714b000bec66bdb7b6d09", "7d69f01f3b45449f62c7816ece723268",
	"91a0588318ec2673214271f70137896e", "35a43bc9efeb09c756204b57e3fb7d4d", "02dcc6cd1201a3a2ca7099559c862123",
	"6ecf912f3b18ca11a7a27bb60705fd09", "4d9df3fbee3448fc3e676d04320a90f5",
}

func TestAESOriginatorLoadAndFirstTransactions(t *testing.T) {
	o, err := NewAESOriginator(unhex(t, aesIK128), aesIKID(t))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range aesRegistersAfterLoad {
		if !bytes.Equal(o.keys.keys[i], unhex(t, want)) {
			t.Fatalf("register %d = %X, want %s", i, o.keys.keys[i], want)
		}
	}
	for i, want := range aesPINKeys {
		k, txn, err := o.Next()
		if err != nil || k.Counter() != uint32(i+1) || !bytes.Equal(txn, unhex(t, aes128TransactionKeys[i].key)) {
			t.Fatalf("transaction %d: %s %X, %v", i+1, k, txn, err)
		}
		pin, err := AESWorkingKey(txn, k, UsagePINEncryption, AES128)
		if err != nil || !bytes.Equal(pin, unhex(t, want)) {
			t.Fatalf("transaction %d: PIN key %X, %v; want %s", i+1, pin, err, want)
		}
	}
}

func aesOriginatorAt(t *testing.T, counter uint32) *AESOriginator {
	t.Helper()
	o, err := NewAESOriginator(unhex(t, aesIK128), aesIKID(t))
	if err != nil {
		t.Fatal(err)
	}
	registersAt(t, &o.keys, counter, func(c uint32) ([]byte, error) {
		return AESTransactionKey(unhex(t, aesIK128), NewAESKSN(aesIKID(t), c))
	})
	return o
}

// Counters with more than 16 one bits are skipped (0x1FFFF), and 0xFFFF0000 is the last
// counter; the expected keys are the published ones above.
func TestAESOriginatorSkipsAndEnds(t *testing.T) {
	for _, run := range []struct {
		from uint32
		want []int // indexes into aes128TransactionKeys
	}{{0x1FFFE, []int{8, 9, 10}}, {0xFFFE2000, []int{11, 12, 13, 14}}} {
		o := aesOriginatorAt(t, run.from)
		for _, i := range run.want {
			v := aes128TransactionKeys[i]
			k, key, err := o.Next()
			if err != nil || k.Counter() != v.counter || !bytes.Equal(key, unhex(t, v.key)) {
				t.Fatalf("from %X: got %s %X, %v; want counter %X", run.from, k, key, err, v.counter)
			}
		}
	}
	o := aesOriginatorAt(t, 0xFFFF0000)
	if _, _, err := o.Next(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := o.Next(); !errors.Is(err, ErrExhausted) || !o.Exhausted() {
		t.Fatalf("after 0xFFFF0000: %v", err)
	}
	o.Zero()
}

// Property: the AES originator agrees with the host for a run of transactions.
func TestAESOriginatorAgreesWithHost(t *testing.T) {
	o, err := NewAESOriginator(unhex(t, aesIK128), aesIKID(t))
	if err != nil {
		t.Fatal(err)
	}
	for range 600 {
		k, key, err := o.Next()
		if err != nil {
			t.Fatal(err)
		}
		if host, err := AESTransactionKey(unhex(t, aesIK128), k); err != nil || !bytes.Equal(host, key) {
			t.Fatalf("KSN %s: originator %X, host %X (%v)", k, key, host, err)
		}
	}
}
