package dukpt

import (
	"errors"
	"math/bits"
	"testing"
)

// registersAt fills future-key registers as an originator has them when its next
// counter is counter: the register of the lowest set bit holds that counter's key,
// and each higher clear bit's register the key of the counter reached by setting it.
// keyFor is the host derivation. Registers whose counter would have too many one
// bits are never used and stay empty.
func registersAt(t *testing.T, f *futureKeys, counter uint32, keyFor func(uint32) ([]byte, error)) {
	t.Helper()
	f.keys = make([][]byte, f.width)
	f.counter = uint64(counter)
	low := bits.TrailingZeros32(counter)
	for i := low; i < f.width; i++ {
		if i > low && counter&(1<<i) != 0 {
			continue
		}
		c := counter&^(1<<(i+1)-1) | 1<<i
		if bits.OnesCount32(c) > f.maxOnes {
			continue
		}
		key, err := keyFor(c)
		if err != nil {
			t.Fatal(err)
		}
		f.keys[i] = key
	}
}

func tdesOriginatorAt(t *testing.T, counter uint32) *TDESOriginator {
	t.Helper()
	o, err := NewTDESOriginator(key16(t, x9IPEK), ksn(t, x9InitialKSN))
	if err != nil {
		t.Fatal(err)
	}
	registersAt(t, &o.keys, counter, func(c uint32) ([]byte, error) {
		k, err := TransactionKey(key16(t, x9IPEK), o.ksn.WithCounter(c))
		return k[:], err
	})
	return o
}

func checkTDESSequence(t *testing.T, o *TDESOriginator, want []tdesVector) {
	t.Helper()
	for _, v := range want {
		gotKSN, key, err := o.Next()
		if err != nil {
			t.Fatalf("before %s: %v", v.ksn, err)
		}
		if gotKSN != ksn(t, v.ksn) || key != key16(t, v.key) {
			t.Fatalf("got %s %X, want %s %s", gotKSN, key, v.ksn, v.key)
		}
		if pin := EncryptPINBlock(key, block8(t, x9PINBlock)); pin != block8(t, v.encryptedPIN) {
			t.Fatalf("%s: PIN block %X, want %s", v.ksn, pin, v.encryptedPIN)
		}
	}
}

// The PIN pad side reproduces X9.24-1:2009 A.4.2 from the IPEK (vectors in tdes_test.go).
func TestTDESOriginatorInitialSequence(t *testing.T) {
	o, err := NewTDESOriginator(key16(t, x9IPEK), ksn(t, x9InitialKSN))
	if err != nil {
		t.Fatal(err)
	}
	checkTDESSequence(t, o, x9Initial)
}

// X9.24-1:2009 A.4.3: from counter 0FF800 the originator skips every counter with more
// than ten one bits, with the published KSNs, keys and PIN blocks.
func TestTDESOriginatorSkipsCountersWithElevenOnes(t *testing.T) {
	checkTDESSequence(t, tdesOriginatorAt(t, 0x0FF800), x9Rollover)
}

// Property: the originator's keys are the host's for the first few thousand
// transactions, and its counters never have more than ten one bits.
func TestTDESOriginatorAgreesWithHost(t *testing.T) {
	ipek := key16(t, x9IPEK)
	o, err := NewTDESOriginator(ipek, ksn(t, x9InitialKSN))
	if err != nil {
		t.Fatal(err)
	}
	previous := uint32(0)
	for range 3000 {
		k, key, err := o.Next()
		if err != nil {
			t.Fatal(err)
		}
		c := k.Counter()
		if c <= previous || bits.OnesCount32(c) > tdesMaxOnes {
			t.Fatalf("counter %X after %X", c, previous)
		}
		previous = c
		if host, err := TransactionKey(ipek, k); err != nil || host != key {
			t.Fatalf("KSN %s: originator %X, host %X (%v)", k, key, host, err)
		}
	}
}

func TestTDESOriginatorExhaustion(t *testing.T) {
	o := tdesOriginatorAt(t, 0x1FF800) // the last counter with at most ten one bits
	k, key, err := o.Next()
	if err != nil || k.String() != "FFFF9876543210FFF800" {
		t.Fatalf("last: %s, %v", k, err)
	}
	if host, _ := TransactionKey(key16(t, x9IPEK), k); host != key {
		t.Fatal("last key differs from the host's")
	}
	if !o.Exhausted() {
		t.Fatal("not exhausted after the last counter")
	}
	if _, _, err := o.Next(); !errors.Is(err, ErrExhausted) {
		t.Fatalf("after the last: %v", err)
	}
}

func TestTDESOriginatorZero(t *testing.T) {
	o := tdesOriginatorAt(t, 1)
	o.Zero()
	for i, k := range o.keys.keys {
		if k != nil {
			t.Fatalf("register %d kept", i)
		}
	}
	if _, _, err := o.Next(); !errors.Is(err, ErrExhausted) {
		t.Fatalf("after Zero: %v", err)
	}
}

func TestAESOriginatorRejectsNonAESKeys(t *testing.T) {
	if _, err := NewAESOriginator(make([]byte, 15), [8]byte{}); err == nil {
		t.Fatal("15-byte key accepted")
	}
	if _, err := DeriveAESInitialKey(make([]byte, 8), [8]byte{}); err == nil {
		t.Fatal("8-byte BDK accepted")
	}
	if _, err := AESWorkingKey(make([]byte, 16), AESKSN{}, UsagePINEncryption, KeyType(9)); err == nil {
		t.Fatal("unknown key type accepted")
	}
}
