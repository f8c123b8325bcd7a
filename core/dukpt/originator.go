package dukpt

import (
	"fmt"
	"math/bits"
	"sync"
)

// futureKeys is the transaction-originating algorithm common to X9.24-1 A.2 and
// X9.24-3 6.5: one register per counter bit. Register i holds the key of the counter
// that the device will reach by setting bit i, so the key of the current counter is
// in the register of its lowest set bit. Using it derives the registers below that
// bit from it (unless the counter already has the most one bits allowed, in which case
// those counters are skipped) and erases it.
type futureKeys struct {
	mu      sync.Mutex
	width   int    // counter bits
	maxOnes int    // most one bits a counter may have
	counter uint64 // the next transaction's counter; 1<<width when exhausted
	keys    [][]byte
	derive  func(parent []byte, counter uint32) ([]byte, error)
}

// load fills every register from the initial key and sets the counter to 1.
func (f *futureKeys) load(initialKey []byte) error {
	f.keys = make([][]byte, f.width)
	for i := f.width - 1; i >= 0; i-- {
		key, err := f.derive(initialKey, 1<<i)
		if err != nil {
			f.zero()
			return err
		}
		f.keys[i] = key
	}
	f.counter = 1
	return nil
}

// next hands out the current counter and its key (a copy), then advances.
func (f *futureKeys) next() (uint32, []byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.counter >= 1<<f.width {
		return 0, nil, ErrExhausted
	}
	counter := uint32(f.counter)
	low := bits.TrailingZeros32(counter)
	current := f.keys[low]
	if current == nil {
		return 0, nil, fmt.Errorf("dukpt: register %d for counter %X is empty", low, counter)
	}
	if bits.OnesCount32(counter) < f.maxOnes {
		for i := low - 1; i >= 0; i-- {
			key, err := f.derive(current, counter|1<<i)
			if err != nil {
				return 0, nil, err
			}
			clear(f.keys[i])
			f.keys[i] = key
		}
		f.counter++
	} else {
		f.counter += 1 << low
	}
	out := append([]byte(nil), current...)
	clear(current)
	f.keys[low] = nil
	return counter, out, nil
}

func (f *futureKeys) current() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counter
}

func (f *futureKeys) zero() {
	for i, k := range f.keys {
		clear(k)
		f.keys[i] = nil
	}
	f.counter = 1 << f.width
}

// TDESOriginator is the PIN pad's side of TDES DUKPT: 21 future keys and the KSN.
// It is safe for concurrent use.
type TDESOriginator struct {
	ksn  KSN
	keys futureKeys
}

// NewTDESOriginator loads an IPEK and its initial KSN. The caller should zero its copy
// of the IPEK afterwards: the originator keeps only future keys.
func NewTDESOriginator(ipek [16]byte, initialKSN KSN) (*TDESOriginator, error) {
	o := &TDESOriginator{ksn: initialKSN.WithCounter(0)}
	o.keys = futureKeys{width: tdesCounterBits, maxOnes: tdesMaxOnes, derive: o.derive}
	if err := o.keys.load(ipek[:]); err != nil {
		return nil, err
	}
	return o, nil
}

func (o *TDESOriginator) derive(parent []byte, counter uint32) ([]byte, error) {
	key := nonReversibleKey([16]byte(parent), o.ksn.WithCounter(counter))
	return key[:], nil
}

// Next gives the KSN and transaction key for one transaction and moves on; apply
// PINKey, MACRequestKey and so on to the key, then zero it. After the last counter
// (0x1FF800) it returns ErrExhausted.
func (o *TDESOriginator) Next() (KSN, [16]byte, error) {
	counter, key, err := o.keys.next()
	if err != nil {
		return KSN{}, [16]byte{}, err
	}
	out := [16]byte(key)
	clear(key)
	return o.ksn.WithCounter(counter), out, nil
}

// Exhausted says whether every counter has been used.
func (o *TDESOriginator) Exhausted() bool { return o.keys.current() >= 1<<tdesCounterBits }

// Zero erases every future key; the originator is exhausted afterwards.
func (o *TDESOriginator) Zero() {
	o.keys.mu.Lock()
	defer o.keys.mu.Unlock()
	o.keys.zero()
}

// AESOriginator is the PIN pad's side of AES DUKPT: 32 intermediate derivation keys
// and the initial key ID. It is safe for concurrent use.
type AESOriginator struct {
	initialKeyID [8]byte
	keyType      KeyType
	keys         futureKeys
}

// KeyType is the type of the initial key the originator was loaded with: its working
// keys are of the same type.
func (o *AESOriginator) KeyType() KeyType { return o.keyType }

// NewAESOriginator loads an AES initial key (16, 24 or 32 bytes) and its initial key
// ID. The caller should zero its copy of the initial key afterwards.
func NewAESOriginator(initialKey []byte, initialKeyID [8]byte) (*AESOriginator, error) {
	keyType, err := AESKeyTypeOf(len(initialKey))
	if err != nil {
		return nil, err
	}
	o := &AESOriginator{initialKeyID: initialKeyID, keyType: keyType}
	o.keys = futureKeys{width: aesCounterBits, maxOnes: aesMaxOnes, derive: o.derive}
	if err := o.keys.load(initialKey); err != nil {
		return nil, err
	}
	return o, nil
}

func (o *AESOriginator) derive(parent []byte, counter uint32) ([]byte, error) {
	return deriveAES(parent, derivationData(usageKeyDerivation, o.keyType, counterData(o.initialKeyID, counter)))
}

// Next gives the KSN and derivation key for one transaction and moves on; derive the
// working keys with AESWorkingKey, then zero the key. After the last counter
// (0xFFFF0000) it returns ErrExhausted.
func (o *AESOriginator) Next() (AESKSN, []byte, error) {
	counter, key, err := o.keys.next()
	if err != nil {
		return AESKSN{}, nil, err
	}
	return NewAESKSN(o.initialKeyID, counter), key, nil
}

// Exhausted says whether every counter has been used.
func (o *AESOriginator) Exhausted() bool { return o.keys.current() >= 1<<aesCounterBits }

// Zero erases every intermediate derivation key; the originator is exhausted
// afterwards.
func (o *AESOriginator) Zero() {
	o.keys.mu.Lock()
	defer o.keys.mu.Unlock()
	o.keys.zero()
}
