package issuer

import (
	"fmt"

	"tilldesk/core/emv/tlv"
)

// Request is an authorisation as the issuer sees it.
type Request struct {
	ICCData []byte        // DE55: the ICC data, BER-TLV
	PIN     *EncryptedPIN // online PIN, when the cardholder entered one
	// Scripts are commands to send to the card with the answer (sealed here with the
	// card's keys), in template 71 when ScriptBeforeSecondAC is set, else 72.
	Scripts              []ScriptCommand
	ScriptBeforeSecondAC bool
	ScriptID             []byte // optional 4-byte script identifier
}

// ISO 8583 response codes the verifier gives.
const (
	CodeApproved     = "00"
	CodeDoNotHonour  = "05" // the cryptogram does not verify, or is not an ARQC
	CodeExpiredCard  = "54"
	CodeWrongPIN     = "55"
	CodeSecurityFail = "63" // the data needed to check the card is missing or malformed
)

// Decision is the issuer's answer.
type Decision struct {
	Approved     bool
	ResponseCode string // ISO 8583 DE39; also the ARC the card receives
	Reason       string // in words, for the journal (never card data)
	Cryptogram   CryptogramCheck
	PINChecked   bool
	PINValid     bool
	// IssuerAuthenticationData is the value of tag 91, when the ARQC verified.
	IssuerAuthenticationData []byte
	// IssuerScripts is the encoded script template (71 or 72), when asked for.
	IssuerScripts []byte
}

// Authorise checks an online authorisation: the ARQC against the account's keys, the
// online PIN when there is one, and answers with the response code, the ARPC and any
// scripts. Amounts, limits and balances are the caller's business: it can turn an
// approval into a decline (and must then call Respond again for a new ARPC).
func Authorise(acct Account, bdks BDKs, req Request) (Decision, error) {
	d, err := ParseICCData(req.ICCData)
	if err != nil {
		return Decision{ResponseCode: CodeSecurityFail, Reason: err.Error()}, nil
	}
	check, err := CheckCryptogram(acct, d)
	if err != nil {
		return Decision{ResponseCode: CodeSecurityFail, Reason: err.Error(), Cryptogram: check}, nil
	}
	dec := Decision{Cryptogram: check}
	switch {
	case !check.Valid:
		dec.ResponseCode, dec.Reason = CodeDoNotHonour, "the application cryptogram does not verify"
		return dec, nil
	case check.Type != ARQC:
		dec.ResponseCode, dec.Reason = CodeDoNotHonour, fmt.Sprintf("the card sent an %s, not an ARQC", check.Type)
		return dec, nil
	}
	dec.ResponseCode, dec.Reason = CodeApproved, "approved"
	if date := fmt.Sprintf("%X", d.Transaction.TransactionDate); acct.Expiry != "" && date > acct.Expiry {
		dec.ResponseCode, dec.Reason = CodeExpiredCard, "the card expired"
	}
	if req.PIN != nil {
		dec.PINChecked = true
		dec.PINValid, err = CheckPIN(bdks, *req.PIN, acct.PAN, acct.PIN)
		if err != nil {
			return Decision{}, err
		}
		if !dec.PINValid && dec.ResponseCode == CodeApproved {
			dec.ResponseCode, dec.Reason = CodeWrongPIN, "wrong PIN"
		}
	}
	if err := Respond(acct, &dec, req); err != nil {
		return Decision{}, err
	}
	return dec, nil
}

// Respond fills in the issuer authentication data and scripts of a decision whose
// cryptogram verified, for its response code (after the caller changed it, say).
func Respond(acct Account, dec *Decision, req Request) error {
	dec.Approved = dec.ResponseCode == CodeApproved
	if !dec.Cryptogram.Valid || dec.Cryptogram.Type != ARQC {
		return nil
	}
	keys, err := acct.Scheme.DeriveCardKeys(acct.Keys, acct.PAN, acct.PANSequence)
	if err != nil {
		return err
	}
	defer keys.Zero()
	arqc, atc := dec.Cryptogram.AC, dec.Cryptogram.ATC
	dec.IssuerAuthenticationData, err = acct.Scheme.IssuerAuthenticationData(&keys, atc, arqc, NewReply(dec.ResponseCode))
	if err != nil {
		return err
	}
	dec.IssuerScripts = nil
	if len(req.Scripts) == 0 {
		return nil
	}
	sealed := make([][]byte, 0, len(req.Scripts))
	for _, cmd := range req.Scripts {
		c, err := acct.Scheme.SealScriptCommand(&keys, atc, arqc, cmd)
		if err != nil {
			return err
		}
		sealed = append(sealed, c)
	}
	template := tlv.Tag(0x72)
	if req.ScriptBeforeSecondAC {
		template = 0x71
	}
	dec.IssuerScripts, err = ScriptTemplate(template, req.ScriptID, sealed...)
	return err
}
