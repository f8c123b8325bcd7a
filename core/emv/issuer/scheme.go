// Package issuer is the issuer's side of EMV, as pure functions: it checks the
// application cryptogram a card produced (ARQC, TC or AAC) from the ICC data an
// authorisation carries (ISO 8583 DE55), answers with the issuer authentication data
// (ARPC, tag 91) and issuer scripts (templates 71/72) protected by secure messaging,
// and verifies an online PIN block encrypted under TDES DUKPT against the PIN
// verification data the issuer keeps (IBM 3624 offset).
//
// The card and the issuer must compute the same things, so the virtual cards
// (devices/sim/emvcard) use this package's Scheme too: a Scheme is a cryptogram version
// (which ICC master key derivation, which session key, which data and padding for the
// cryptogram, which ARPC method, how issuer scripts are keyed and enciphered).
//
// Keys are double-length DES keys. Keys derived here are zeroed when no longer
// needed; keys passed in belong to the caller. Nothing here logs, does I/O or keeps
// state, and errors show a PAN only masked.
package issuer

import (
	"fmt"

	"tilldesk/core/emv/cryptogram"
	"tilldesk/core/pan"
)

// Scheme is a cryptogram version: the card's and the issuer's shared recipe for keys
// and cryptograms.
type Scheme int

// The cryptogram versions of the virtual cards.
const (
	// UnionPayCVN01 is UnionPay PBOC 3.0 / UICS cryptogram version 01: ICC master key
	// option A; session key TDES(MK, 00..00||ATC) || TDES(MK, 00..00||NOT ATC); the
	// cryptogram over the EMV recommended data and the 4-byte CVR, padding method 2;
	// ARPC method 1 under the session key.
	UnionPayCVN01 Scheme = iota + 1
	// VisaCVN10 is Visa cryptogram version 10: option A, no session key, the data
	// and the CVR with padding method 1, ARPC method 1 under the master key.
	VisaCVN10
	// VisaCVN18 is Visa cryptogram version 18: option B, EMV common session key
	// (R = ATC||0..0), the data and the whole issuer application data with padding
	// method 2, ARPC method 2.
	VisaCVN18
	// MastercardCSK is a Mastercard M/Chip-style version with the EMV common session
	// key: option A, R = ATC||0..0, the data and the 6-byte CVR with padding method 2,
	// ARPC method 1 under the session key, script keys from the ARQC.
	MastercardCSK
)

// String names the scheme.
func (s Scheme) String() string {
	switch s {
	case UnionPayCVN01:
		return "UnionPay CVN 01"
	case VisaCVN10:
		return "Visa CVN 10"
	case VisaCVN18:
		return "Visa CVN 18"
	case MastercardCSK:
		return "Mastercard CSK"
	}
	return fmt.Sprintf("Scheme(%d)", int(s))
}

// Valid reports whether s is one of the schemes above.
func (s Scheme) Valid() bool { return s >= UnionPayCVN01 && s <= MastercardCSK }

// CVN is the cryptogram version number the scheme writes in the issuer application
// data.
func (s Scheme) CVN() byte {
	switch s {
	case UnionPayCVN01:
		return 0x01
	case VisaCVN10:
		return 0x0A
	case VisaCVN18:
		return 0x12
	case MastercardCSK:
		return 0x12
	}
	return 0
}

// ARPCMethod is 1 (8-byte ARPC over ARQC and ARC) or 2 (4-byte ARPC over ARQC and
// card status update), EMV Book 2 8.2.
func (s Scheme) ARPCMethod() int {
	if s == VisaCVN18 {
		return 2
	}
	return 1
}

// MasterKeys are an issuer's master keys (IMK) for one range of cards.
type MasterKeys struct {
	AC  [16]byte // application cryptograms
	SMI [16]byte // secure messaging integrity (script MACs)
	SMC [16]byte // secure messaging confidentiality (enciphered script data)
}

// CardKeys are one card's ICC master keys, derived from the issuer's.
type CardKeys struct {
	AC, SMI, SMC [16]byte
}

// Zero erases the keys.
func (k *CardKeys) Zero() { clear(k.AC[:]); clear(k.SMI[:]); clear(k.SMC[:]) }

// DeriveCardKeys derives a card's master keys from the issuer's, with the master key
// derivation option of the scheme.
func (s Scheme) DeriveCardKeys(imk MasterKeys, accountNumber, psn string) (CardKeys, error) {
	if !s.Valid() {
		return CardKeys{}, fmt.Errorf("issuer: unknown scheme %d", int(s))
	}
	derive := cryptogram.DeriveICCMasterKeyA
	if s == VisaCVN18 {
		derive = cryptogram.DeriveICCMasterKeyB
	}
	var keys CardKeys
	for _, k := range []struct{ dst, imk *[16]byte }{{&keys.AC, &imk.AC}, {&keys.SMI, &imk.SMI}, {&keys.SMC, &imk.SMC}} {
		mk, err := derive(*k.imk, accountNumber, psn)
		if err != nil {
			keys.Zero()
			return CardKeys{}, fmt.Errorf("issuer: derive card keys for %s: %w", pan.Mask(accountNumber), err)
		}
		*k.dst = mk
	}
	return keys, nil
}

// sessionKey is the application cryptogram key of the transaction with this ATC.
func (s Scheme) sessionKey(keys *CardKeys, atc [2]byte) [16]byte {
	switch s {
	case UnionPayCVN01:
		return PBOCSessionKey(keys.AC, atc)
	case VisaCVN10:
		return keys.AC
	default:
		return cryptogram.DeriveSessionKey(keys.AC, cryptogram.ATCDiversifier(atc))
	}
}

// PBOCSessionKey is the PBOC session key: the master key's TDES encryption of six zero
// bytes and the ATC, then of six zero bytes and the ATC's complement.
func PBOCSessionKey(mk [16]byte, atc [2]byte) [16]byte {
	c := newTDES(mk)
	var sk [16]byte
	c.Encrypt(sk[:8], []byte{0, 0, 0, 0, 0, 0, atc[0], atc[1]})
	c.Encrypt(sk[8:], []byte{0, 0, 0, 0, 0, 0, ^atc[0], ^atc[1]})
	return sk
}

// Cryptogram computes the application cryptogram (ARQC, TC or AAC: the type only
// changes what the card says it is) over the transaction data and the issuer
// application data the card returns with it.
func (s Scheme) Cryptogram(keys *CardKeys, d cryptogram.TransactionData, iad []byte) ([8]byte, error) {
	suffix, err := s.cryptogramSuffix(iad)
	if err != nil {
		return [8]byte{}, err
	}
	padding := cryptogram.PaddingMethod2
	if s == VisaCVN10 {
		padding = cryptogram.PaddingMethod1
	}
	sk := s.sessionKey(keys, d.ATC)
	defer clear(sk[:])
	ac, err := cryptogram.GenerateAC(sk, append(d.Bytes(), suffix...), padding)
	if err != nil {
		return [8]byte{}, fmt.Errorf("issuer: %s cryptogram: %w", s, err)
	}
	return ac, nil
}

// cryptogramSuffix is what the scheme appends to the transaction data: the CVR part of
// the issuer application data, or all of it.
func (s Scheme) cryptogramSuffix(iad []byte) ([]byte, error) {
	from, to := s.cvrSpan()
	if s == VisaCVN18 {
		from, to = 0, len(iad)
	}
	if len(iad) < to || len(iad) == 0 {
		return nil, fmt.Errorf("issuer: %s issuer application data is %d bytes, too short", s, len(iad))
	}
	return iad[from:to], nil
}
