// Package testca is the test public key infrastructure of the virtual EMV cards: three
// certification authorities (UnionPay, Visa-like and Mastercard-like RIDs, with key
// indexes of our own that no published scheme key uses), one issuer under each with
// its certificate, and ICC keys for the cards. Every key is derived from a seed, so the
// whole hierarchy is reproducible: Generate(DefaultSeed) gives the keys embedded in
// keys.txt, which Default loads at once instead of generating them again.
//
// It also signs what EMV offline data authentication checks (EMV Book 2): issuer and
// ICC public key certificates, signed static application data (SDA) and signed
// dynamic application data (DDA, CDA, fDDA). The terminal's side, the CA public keys
// (CAPKs) with their checksums, is exported for the kernel's configuration.
//
// These are test keys, published with the source: never put them in a production
// terminal's configuration.
package testca

import (
	_ "embed"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"sync"
)

// DefaultSeed is the seed of the hierarchy the tests and demo mode use.
const DefaultSeed = "tilldesk test CA hierarchy v1"

// Authority is a certification authority: a payment system's RID and key index.
type Authority struct {
	Name  string
	RID   [5]byte
	Index byte
	Key   *PrivateKey
}

// Issuer is an issuer whose public key an authority certified.
type Issuer struct {
	Name       string
	Authority  *Authority
	Identifier string // the leftmost PAN digits its cards share (the BIN)
	Key        *PrivateKey
	Expiry     [2]byte // of the issuer certificate, MMYY in BCD
	Serial     [3]byte
	// Certificate (tag 90) and Remainder (tag 92, empty when the key fits); the
	// exponent (tag 9F32) is Key.Exponent().
	Certificate, Remainder []byte
	iccKeys                []*PrivateKey
}

// ICCKey is the issuer's n-th card key (each card its own).
func (i *Issuer) ICCKey(n int) (*PrivateKey, error) {
	if n < 0 || n >= len(i.iccKeys) {
		return nil, fmt.Errorf("testca: issuer %s has ICC keys 0 to %d, not %d", i.Name, len(i.iccKeys)-1, n)
	}
	return i.iccKeys[n], nil
}

// Hierarchy is the authorities and issuers.
type Hierarchy struct {
	Authorities []*Authority
	Issuers     []*Issuer
}

// Issuer finds an issuer by name ("unionpay", "visa", "mastercard").
func (h *Hierarchy) Issuer(name string) (*Issuer, error) {
	for _, i := range h.Issuers {
		if i.Name == name {
			return i, nil
		}
	}
	return nil, fmt.Errorf("testca: no issuer %q", name)
}

// keySpec is one key of the layout.
type keySpec struct {
	label string
	bits  int
	e     int
}

// issuerLayout describes one branch of the hierarchy: the authority, its issuer and
// the issuer's ICC keys.
type issuerLayout struct {
	name       string
	rid        [5]byte
	index      byte
	caBits     int
	caE        int
	identifier string
	issuerBits int
	issuerE    int
	iccBits    int
	iccE       int
}

// iccKeysPerIssuer is how many card keys each issuer has.
const iccKeysPerIssuer = 4

// layout sizes the keys so that the issuer key fits its certificate for UnionPay and
// needs a remainder for the other two, and likewise for the ICC keys.
var layout = []issuerLayout{
	{"unionpay", [5]byte{0xA0, 0x00, 0x00, 0x03, 0x33}, 0xC1, 1984, 3, "629999", 1408, 3, 1024, 3},
	{"visa", [5]byte{0xA0, 0x00, 0x00, 0x00, 0x03}, 0xC2, 1408, 3, "499999", 1152, 3, 1024, 3},
	{"mastercard", [5]byte{0xA0, 0x00, 0x00, 0x00, 0x04}, 0xC3, 1152, 65537, "559999", 1024, 65537, 768, 65537},
}

func (l issuerLayout) specs() []keySpec {
	s := []keySpec{{"ca/" + l.name, l.caBits, l.caE}, {"issuer/" + l.name, l.issuerBits, l.issuerE}}
	for n := range iccKeysPerIssuer {
		s = append(s, keySpec{fmt.Sprintf("icc/%s/%d", l.name, n), l.iccBits, l.iccE})
	}
	return s
}

// Generate derives the whole hierarchy from a seed (about two seconds of RSA key
// generation).
func Generate(seed string) (*Hierarchy, error) {
	return build(func(s keySpec) (*PrivateKey, error) { return GenerateKey([]byte(seed), s.label, s.bits, s.e) })
}

//go:embed keys.txt
var embeddedKeys string

var (
	defaultOnce sync.Once
	defaultH    *Hierarchy
	defaultErr  error
)

// Default is the hierarchy of DefaultSeed, loaded from the embedded keys. It is built
// once and shared: treat it as read-only.
func Default() (*Hierarchy, error) {
	defaultOnce.Do(func() {
		keys, err := parseKeys(embeddedKeys)
		if err != nil {
			defaultErr = err
			return
		}
		defaultH, defaultErr = build(func(s keySpec) (*PrivateKey, error) {
			k, ok := keys[s.label]
			if !ok || k.N.BitLen() != s.bits || k.E != s.e {
				return nil, fmt.Errorf("testca: keys.txt has no %d-bit key %s with exponent %d", s.bits, s.label, s.e)
			}
			return k, nil
		})
	})
	return defaultH, defaultErr
}

// build assembles the hierarchy from keys and certifies the issuers.
func build(key func(keySpec) (*PrivateKey, error)) (*Hierarchy, error) {
	h := &Hierarchy{}
	for n, l := range layout {
		specs := l.specs()
		keys := make([]*PrivateKey, len(specs))
		for i, s := range specs {
			k, err := key(s)
			if err != nil {
				return nil, err
			}
			keys[i] = k
		}
		a := &Authority{Name: l.name, RID: l.rid, Index: l.index, Key: keys[0]}
		iss := &Issuer{Name: l.name, Authority: a, Identifier: l.identifier, Key: keys[1],
			Expiry: [2]byte{0x12, 0x35}, Serial: [3]byte{0x00, 0x00, byte(n + 1)}, iccKeys: keys[2:]}
		var err error
		iss.Certificate, iss.Remainder, err = a.CertifyIssuer(iss.Key.Public(), iss.Identifier, iss.Expiry, iss.Serial)
		if err != nil {
			return nil, fmt.Errorf("testca: certify issuer %s: %w", l.name, err)
		}
		h.Authorities = append(h.Authorities, a)
		h.Issuers = append(h.Issuers, iss)
	}
	return h, nil
}

// KeysText writes the hierarchy's keys in the format of keys.txt: one key a line,
// "label exponent p q" with the primes in hexadecimal.
func (h *Hierarchy) KeysText() string {
	var b strings.Builder
	b.WriteString("# testca keys of DefaultSeed: label exponent p q (hex). Test keys, public on purpose.\n")
	line := func(label string, k *PrivateKey) { fmt.Fprintf(&b, "%s %d %x %x\n", label, k.E, k.p, k.q) }
	for _, iss := range h.Issuers {
		line("ca/"+iss.Name, iss.Authority.Key)
		line("issuer/"+iss.Name, iss.Key)
		for n, k := range iss.iccKeys {
			line(fmt.Sprintf("icc/%s/%d", iss.Name, n), k)
		}
	}
	return b.String()
}

func parseKeys(text string) (map[string]*PrivateKey, error) {
	keys := map[string]*PrivateKey{}
	for n, line := range strings.Split(text, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 4 {
			return nil, fmt.Errorf("testca: keys.txt line %d: want label, exponent, p, q", n+1)
		}
		e, err := strconv.Atoi(f[1])
		p, okP := new(big.Int).SetString(f[2], 16)
		q, okQ := new(big.Int).SetString(f[3], 16)
		if err != nil || !okP || !okQ {
			return nil, fmt.Errorf("testca: keys.txt line %d: bad number", n+1)
		}
		k, err := newPrivateKey(p, q, e)
		if err != nil {
			return nil, fmt.Errorf("testca: keys.txt line %d: %w", n+1, err)
		}
		keys[f[0]] = k
	}
	return keys, nil
}
