package testca

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
)

// PublicKey is an RSA public key as EMV carries it: modulus and exponent, used
// without padding (the signed blocks carry their own header, hash and trailer).
type PublicKey struct {
	N *big.Int
	E int // 3 or 65537
}

// Size is the modulus length in bytes.
func (k *PublicKey) Size() int { return (k.N.BitLen() + 7) / 8 }

// Modulus is the modulus, big-endian, Size bytes.
func (k *PublicKey) Modulus() []byte { return k.N.FillBytes(make([]byte, k.Size())) }

// Exponent is the exponent as EMV writes it: 03 or 01 00 01.
func (k *PublicKey) Exponent() []byte {
	return big.NewInt(int64(k.E)).Bytes()
}

// Recover is the RSA public operation on a signature of Size bytes: the block the
// private operation signed.
func (k *PublicKey) Recover(signature []byte) ([]byte, error) {
	if len(signature) != k.Size() {
		return nil, fmt.Errorf("testca: signature of %d bytes for a %d-byte key", len(signature), k.Size())
	}
	s := new(big.Int).SetBytes(signature)
	if s.Cmp(k.N) >= 0 {
		return nil, errors.New("testca: signature not below the modulus")
	}
	return s.Exp(s, big.NewInt(int64(k.E)), k.N).FillBytes(make([]byte, k.Size())), nil
}

// PrivateKey is an RSA private key with its CRT values. Test keys only: generated from
// a seed anyone can read, and operated on without blinding.
type PrivateKey struct {
	PublicKey
	p, q, dp, dq, qInv *big.Int
}

// Public is the public half.
func (k *PrivateKey) Public() *PublicKey { return &k.PublicKey }

// Sign is the RSA private operation on a block of Size bytes below the modulus (an
// EMV signed block starts with 6A, below any modulus of full length).
func (k *PrivateKey) Sign(block []byte) ([]byte, error) {
	if len(block) != k.Size() {
		return nil, fmt.Errorf("testca: block of %d bytes for a %d-byte key", len(block), k.Size())
	}
	c := new(big.Int).SetBytes(block)
	if c.Cmp(k.N) >= 0 {
		return nil, errors.New("testca: block not below the modulus")
	}
	m1 := new(big.Int).Exp(c, k.dp, k.p)
	m2 := new(big.Int).Exp(c, k.dq, k.q)
	h := m1.Sub(m1, m2)
	h.Mul(h, k.qInv).Mod(h, k.p)
	m := h.Mul(h, k.q).Add(h, m2)
	return m.FillBytes(make([]byte, k.Size())), nil
}

// newPrivateKey completes a key from its primes; it fails when e does not fit them.
func newPrivateKey(p, q *big.Int, e int) (*PrivateKey, error) {
	one := big.NewInt(1)
	bigE := big.NewInt(int64(e))
	pm1, qm1 := new(big.Int).Sub(p, one), new(big.Int).Sub(q, one)
	d := new(big.Int).ModInverse(bigE, new(big.Int).Mul(pm1, qm1))
	qInv := new(big.Int).ModInverse(q, p)
	if d == nil || qInv == nil || p.Cmp(q) == 0 {
		return nil, fmt.Errorf("testca: primes do not make a key with exponent %d", e)
	}
	return &PrivateKey{
		PublicKey: PublicKey{N: new(big.Int).Mul(p, q), E: e},
		p:         p, q: q, qInv: qInv,
		dp: new(big.Int).Mod(d, pm1), dq: new(big.Int).Mod(d, qm1),
	}, nil
}

// GenerateKey derives an RSA key of bits bits (a multiple of 16) and exponent e (3 or
// 65537) from a seed and a label, deterministically: the same seed and label always
// give the same key. Each prime is the first probable prime at or above a number
// drawn from SHA-256 in counter mode, with its top two bits set so that the modulus
// has exactly bits bits.
func GenerateKey(seed []byte, label string, bits, e int) (*PrivateKey, error) {
	if bits < 512 || bits > 1984 || bits%16 != 0 {
		return nil, fmt.Errorf("testca: key of %d bits (512 to 1984, a multiple of 16)", bits)
	}
	if e != 3 && e != 65537 {
		return nil, fmt.Errorf("testca: exponent %d (3 or 65537)", e)
	}
	stream := &drbg{seed: append(append(append([]byte(nil), seed...), 0), label...)}
	p := stream.prime(bits/2, e)
	q := stream.prime(bits/2, e)
	for p.Cmp(q) == 0 {
		q = stream.prime(bits/2, e)
	}
	return newPrivateKey(p, q, e)
}

// drbg is SHA-256(seed || counter) in counter mode: a reproducible byte stream.
type drbg struct {
	seed    []byte
	counter uint64
}

func (d *drbg) bytes(n int) []byte {
	out := make([]byte, 0, n+sha256.Size)
	for len(out) < n {
		h := sha256.New()
		h.Write(d.seed)
		h.Write(binary.BigEndian.AppendUint64(nil, d.counter))
		d.counter++
		out = h.Sum(out)
	}
	return out[:n]
}

// prime is the first probable prime p at or above a drawn odd number with its top two
// bits set, such that p-1 is coprime with e.
func (d *drbg) prime(bits, e int) *big.Int {
	b := d.bytes(bits / 8)
	b[0] |= 0xC0
	b[len(b)-1] |= 1
	p := new(big.Int).SetBytes(b)
	two, one, bigE := big.NewInt(2), big.NewInt(1), big.NewInt(int64(e))
	pm1, gcd := new(big.Int), new(big.Int)
	for {
		if p.ProbablyPrime(20) && gcd.GCD(nil, nil, pm1.Sub(p, one), bigE).Cmp(one) == 0 {
			return p
		}
		p.Add(p, two)
	}
}
