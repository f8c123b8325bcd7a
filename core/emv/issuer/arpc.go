package issuer

import (
	"crypto/subtle"
	"fmt"

	"tilldesk/core/emv/cryptogram"
)

// Reply is what the issuer tells the card with the ARPC: the authorisation response
// code (method 1) or the card status update (method 2).
type Reply struct {
	ARC [2]byte // authorisation response code, two characters ("00" approves)
	CSU [4]byte // card status update (method 2 only)
}

// Card status update bits (EMV Book 3 Annex C8, common core definitions): byte 2.
const (
	CSUApproved         = 0x80 // the issuer approves the online transaction
	CSUCardBlock        = 0x40 // block the card
	CSUApplicationBlock = 0x20 // block the application
	CSUUpdatePTC        = 0x10 // set the PIN try counter to the low nibble of byte 1
)

// NewReply is the reply for an ISO 8583 response code ("00" approves): the ARC is the
// code, and the card status update says approved or not.
func NewReply(responseCode string) Reply {
	var r Reply
	if len(responseCode) == 2 {
		r.ARC = [2]byte{responseCode[0], responseCode[1]}
	}
	if Approves(r.ARC) {
		r.CSU[1] = CSUApproved
	}
	return r
}

// Approves reports whether an authorisation response code approves the transaction:
// "00", "10" (partial approval) and "11" (VIP approval).
func Approves(arc [2]byte) bool {
	switch string(arc[:]) {
	case "00", "10", "11":
		return true
	}
	return false
}

// Approved reports whether the reply approves: by the ARC for method 1, by the card
// status update for method 2.
func (s Scheme) Approved(r Reply) bool {
	if s.ARPCMethod() == 2 {
		return r.CSU[1]&CSUApproved != 0
	}
	return Approves(r.ARC)
}

// IssuerAuthenticationData is the value of tag 91 the issuer returns for an ARQC:
// ARPC (8 bytes) || ARC for method 1, ARPC (4 bytes) || CSU for method 2.
func (s Scheme) IssuerAuthenticationData(keys *CardKeys, atc [2]byte, arqc [8]byte, r Reply) ([]byte, error) {
	key := s.sessionKey(keys, atc) // the master key itself for Visa CVN 10
	defer clear(key[:])
	if s.ARPCMethod() == 2 {
		arpc, err := cryptogram.ARPCMethod2(key, arqc, r.CSU, nil)
		if err != nil {
			return nil, fmt.Errorf("issuer: %s ARPC: %w", s, err)
		}
		return append(arpc[:], r.CSU[:]...), nil
	}
	arpc := cryptogram.ARPCMethod1(key, arqc, r.ARC)
	return append(arpc[:], r.ARC[:]...), nil
}

// CheckIssuerAuthenticationData is the card's check of tag 91 (EXTERNAL AUTHENTICATE
// or the second GENERATE AC): it recomputes the ARPC and says whether it matches,
// with the reply it carried.
func (s Scheme) CheckIssuerAuthenticationData(keys *CardKeys, atc [2]byte, arqc [8]byte, data []byte) (Reply, bool) {
	var r Reply
	switch {
	case s.ARPCMethod() == 1 && len(data) == 10:
		r.ARC = [2]byte(data[8:])
	case s.ARPCMethod() == 2 && len(data) == 8:
		r.CSU = [4]byte(data[4:])
	default:
		return r, false
	}
	want, err := s.IssuerAuthenticationData(keys, atc, arqc, r)
	if err != nil {
		return r, false
	}
	return r, subtle.ConstantTimeCompare(want, data) == 1
}
