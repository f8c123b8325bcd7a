package users

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/iotest"

	"golang.org/x/crypto/argon2"
)

// cheap are parameters fast enough for tests that hash many PINs.
var cheap = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestCheckPIN(t *testing.T) {
	for _, tc := range []struct {
		id, pin string
		want    error
	}{
		{"1001", "4829", nil},
		{"1001", "90417385", nil},
		{"1001", "1235", nil},
		{"1001", "2468", nil},
		{"1001", "8901", nil}, // a run only without wrapping round
		{"1001", "123", ErrPINFormat},
		{"1001", "123456789", ErrPINFormat},
		{"1001", "12a4", ErrPINFormat},
		{"1001", " 4829", ErrPINFormat},
		{"1001", "４８２９", ErrPINFormat}, // full-width digits
		{"1001", "", ErrPINFormat},
		{"1001", "0000", ErrWeakPIN},
		{"1001", "77777777", ErrWeakPIN},
		{"1001", "1234", ErrWeakPIN},
		{"1001", "3456789", ErrWeakPIN},
		{"1001", "012345", ErrWeakPIN},
		{"1001", "9876", ErrWeakPIN},
		{"1001", "43210", ErrWeakPIN},
		{"1001", "1001", ErrWeakPIN}, // the operator's own ID
	} {
		err := CheckPIN(tc.id, tc.pin)
		if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
			t.Errorf("CheckPIN(%q, %q) = %v, want %v", tc.id, tc.pin, err, tc.want)
		}
		if err != nil && tc.pin != "" && strings.Contains(err.Error(), tc.pin) {
			t.Errorf("CheckPIN error %q shows the PIN", err)
		}
	}
}

// referenceVectors are the Argon2id version 0x13 cases of the reference
// implementation's test suite: hashtest() calls in src/test.c of
// github.com/P-H-C/phc-winner-argon2 (master, e.g. commit f57e61e), password and salt
// as given, 32-byte tags. RFC 9106 §5.3's Argon2id vector cannot be used: it feeds a
// secret K (8 bytes of 0x03) and associated data X (12 bytes of 0x04), which
// golang.org/x/crypto/argon2.IDKey does not take.
var referenceVectors = []struct {
	t, mLog2 uint32
	p        uint8
	pwd      string
	salt     string
	tag      string
	encoded  string
	big      bool // 256 MiB: skipped with -short
}{
	{2, 16, 1, "password", "somesalt", "09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7",
		"$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc", false},
	{2, 18, 1, "password", "somesalt", "78fe1ec91fb3aa5657d72e710854e4c3d9b9198c742f9616c2f085bed95b2e8c",
		"$argon2id$v=19$m=262144,t=2,p=1$c29tZXNhbHQ$eP4eyR+zqlZX1y5xCFTkw9m5GYx0L5YWwvCFvtlbLow", true},
	{2, 8, 1, "password", "somesalt", "9dfeb910e80bad0311fee20f9c0e2b12c17987b4cac90c2ef54d5b3021c68bfe",
		"$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", false},
	{2, 8, 2, "password", "somesalt", "6d093c501fd5999645e0ea3bf620d7b8be7fd2db59c20d9fff9539da2bf57037",
		"$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc", false},
	{1, 16, 1, "password", "somesalt", "f6a5adc1ba723dddef9b5ac1d464e180fcd9dffc9d1cbf76cca2fed795d9ca98",
		"$argon2id$v=19$m=65536,t=1,p=1$c29tZXNhbHQ$9qWtwbpyPd3vm1rB1GThgPzZ3/ydHL92zKL+15XZypg", false},
	{4, 16, 1, "password", "somesalt", "9025d48e68ef7395cca9079da4c4ec3affb3c8911fe4f86d1a2520856f63172c",
		"$argon2id$v=19$m=65536,t=4,p=1$c29tZXNhbHQ$kCXUjmjvc5XMqQedpMTsOv+zyJEf5PhtGiUghW9jFyw", false},
	{2, 16, 1, "differentpassword", "somesalt", "0b84d652cf6b0c4beaef0dfe278ba6a80df6696281d7e0d2891b817d8c458fde",
		"$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$C4TWUs9rDEvq7w3+J4umqA32aWKB1+DSiRuBfYxFj94", false},
	{2, 16, 1, "password", "diffsalt", "bdf32b05ccc42eb15d58fd19b1f856b113da1e9a5874fdcc544308565aa8141c",
		"$argon2id$v=19$m=65536,t=2,p=1$ZGlmZnNhbHQ$vfMrBczELrFdWP0ZsfhWsRPaHppYdP3MVEMIVlqoFBw", false},
}

// The reference tags come out of argon2.IDKey, the reference encodings parse into
// those parameters and tags, format back to themselves, and verify with VerifyPIN.
func TestArgon2idReferenceVectors(t *testing.T) {
	for _, v := range referenceVectors {
		t.Run(fmt.Sprintf("t=%d,m=2^%d,p=%d,%s,%s", v.t, v.mLog2, v.p, v.pwd, v.salt), func(t *testing.T) {
			if v.big && testing.Short() {
				t.Skip("256 MiB")
			}
			got := hex.EncodeToString(argon2.IDKey([]byte(v.pwd), []byte(v.salt), v.t, 1<<v.mLog2, v.p, 32))
			if got != v.tag {
				t.Errorf("IDKey = %s, want %s", got, v.tag)
			}
			h, err := ParsePHC(v.encoded)
			if err != nil {
				t.Fatalf("ParsePHC(%s): %v", v.encoded, err)
			}
			want := Params{Memory: 1 << v.mLog2, Time: v.t, Threads: v.p, SaltLen: uint32(len(v.salt)), KeyLen: 32}
			if h.Params != want || string(h.Salt) != v.salt || hex.EncodeToString(h.Key) != v.tag {
				t.Errorf("ParsePHC(%s) = %+v salt %q key %x", v.encoded, h.Params, h.Salt, h.Key)
			}
			if h.String() != v.encoded {
				t.Errorf("String() = %s, want %s", h.String(), v.encoded)
			}
			if ok, err := VerifyPIN(v.encoded, v.pwd); !ok || err != nil {
				t.Errorf("VerifyPIN(%q) = %v, %v", v.pwd, ok, err)
			}
			if ok, _ := VerifyPIN(v.encoded, v.pwd+"x"); ok {
				t.Error("VerifyPIN accepts a wrong password")
			}
		})
	}
}

func TestHashPINDefaultParams(t *testing.T) {
	salt := bytes.Repeat([]byte{0xA5}, 16)
	hash, err := HashPIN("4829", bytes.NewReader(salt))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=65536,t=1,p=2$pa") {
		t.Errorf("HashPIN = %s, want the default parameters and the injected salt", hash)
	}
	if strings.Contains(hash, "4829") {
		t.Error("the hash contains the PIN")
	}
	for pin, want := range map[string]bool{"4829": true, "4828": false, "48290": false, "": false} {
		if ok, err := VerifyPIN(hash, pin); ok != want || err != nil {
			t.Errorf("VerifyPIN(%q) = %v, %v; want %v", pin, ok, err, want)
		}
	}
	if NeedsRehash(hash, DefaultParams) {
		t.Error("a fresh default hash needs a rehash")
	}
}

func TestHashPINSaltsDiffer(t *testing.T) {
	a, err := cheap.Hash("4829", bytes.NewReader(bytes.Repeat([]byte{1}, 16)))
	if err != nil {
		t.Fatal(err)
	}
	b, err := cheap.Hash("4829", bytes.NewReader(bytes.Repeat([]byte{2}, 16)))
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Error("two salts gave one hash")
	}
}

func TestHashPINErrors(t *testing.T) {
	if _, err := cheap.Hash("4829", bytes.NewReader([]byte{1, 2, 3})); err == nil {
		t.Error("a short random source gave a hash")
	}
	if _, err := cheap.Hash("4829", iotest.ErrReader(errors.New("no entropy"))); err == nil {
		t.Error("a failing random source gave a hash")
	}
	bad := cheap
	bad.Memory = 1 << 30
	if _, err := bad.Hash("4829", bytes.NewReader(make([]byte, 16))); !errors.Is(err, ErrBadParams) {
		t.Errorf("1 TiB of memory: %v, want ErrBadParams", err)
	}
}

func TestNeedsRehash(t *testing.T) {
	hash, err := cheap.Hash("4829", bytes.NewReader(make([]byte, 16)))
	if err != nil {
		t.Fatal(err)
	}
	if NeedsRehash(hash, cheap) {
		t.Error("same parameters need a rehash")
	}
	stronger := cheap
	stronger.Time = 2
	if !NeedsRehash(hash, stronger) {
		t.Error("raised parameters need no rehash")
	}
	if !NeedsRehash("garbage", cheap) {
		t.Error("an unreadable hash needs no rehash")
	}
}

func TestParsePHCRefuses(t *testing.T) {
	const good = "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4"
	if _, err := ParsePHC(good); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]string{
		"empty":             "",
		"argon2i":           strings.Replace(good, "argon2id", "argon2i", 1),
		"version 16":        strings.Replace(good, "v=19", "v=16", 1),
		"no version":        strings.Replace(good, "v=19$", "", 1),
		"params reordered":  strings.Replace(good, "m=256,t=2", "t=2,m=256", 1),
		"leading zero":      strings.Replace(good, "m=256", "m=0256", 1),
		"plus sign":         strings.Replace(good, "t=2", "t=+2", 1),
		"extra param":       strings.Replace(good, "p=1", "p=1,k=3", 1),
		"zero time":         strings.Replace(good, "t=2", "t=0", 1),
		"huge memory":       strings.Replace(good, "m=256", "m=4294967295", 1),
		"overflow":          strings.Replace(good, "m=256", "m=4294967296", 1),
		"too many lanes":    strings.Replace(good, "p=1", "p=300", 1),
		"memory below 8p":   strings.Replace(good, "m=256,t=2,p=1", "m=8,t=2,p=2", 1),
		"padded salt":       strings.Replace(good, "c29tZXNhbHQ", "c29tZXNhbHQ=", 1),
		"urlsafe key":       strings.Replace(good, "/", "_", 1),
		"non-canonical b64": strings.Replace(good, "c29tZXNhbHQ", "c29tZXNhbHR", 1),
		"short salt":        strings.Replace(good, "c29tZXNhbHQ", "c29tZQ", 1),
		"short key":         "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR",
		"missing key":       "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ",
		"trailing dollar":   good + "$",
	} {
		if _, err := ParsePHC(s); !errors.Is(err, ErrBadHash) {
			t.Errorf("%s: ParsePHC(%q) = %v, want ErrBadHash", name, s, err)
		}
		if ok, err := VerifyPIN(s, "password"); ok || err == nil {
			t.Errorf("%s: VerifyPIN = %v, %v; want an error", name, ok, err)
		}
	}
}

// Parse errors never echo the hash they were given.
func TestParsePHCErrorsHideInput(t *testing.T) {
	s := "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$!!secretkeymaterial!!"
	_, err := ParsePHC(s)
	if err == nil || strings.Contains(err.Error(), "secretkeymaterial") {
		t.Errorf("ParsePHC error = %v", err)
	}
}
