package kernel

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"tilldesk/core/emv/tags"
)

// PINRequest is what the PIN pad needs to take a PIN.
type PINRequest struct {
	Amount           int64
	CurrencyCode     [2]byte
	CurrencyExponent byte
	// PAN is the account number the PIN block is bound to (ISO 9564 formats 0, 3
	// and 4). It is card data: the PIN pad must not log or keep it.
	PAN string
	// TriesLeft is the card's PIN try counter for offline PIN, -1 when unknown.
	TriesLeft int
	// Retry is set when the previous offline PIN was wrong.
	Retry bool
}

// EncipheredPIN is an online PIN as it leaves the PIN pad: the PIN block enciphered
// under a DUKPT key, with the key serial number the host needs to decipher it.
type EncipheredPIN struct {
	Block  []byte
	KSN    []byte
	Format byte // ISO 9564 format: 0 (TDES) or 4 (AES)
}

// String never shows the block.
func (p EncipheredPIN) String() string {
	return fmt.Sprintf("[enciphered PIN block, format %d]", p.Format)
}

// GoString never shows the block.
func (p EncipheredPIN) GoString() string { return p.String() }

// PINPad takes online PINs. The clear PIN stays inside it.
type PINPad interface {
	OnlinePIN(ctx context.Context, req PINRequest) (EncipheredPIN, error)
}

// OfflinePINPad is a PIN pad that can also verify a PIN offline: it builds the
// VERIFY command (plaintext PIN block, EMV Book 3 6.5.12) inside the secure device,
// sends it to the card through card and returns the card's status word, so the
// clear PIN never passes through the kernel.
type OfflinePINPad interface {
	PINPad
	VerifyOfflinePIN(ctx context.Context, card Card, req PINRequest) (StatusWord, error)
}

// ErrPINBypassed is what a PIN pad returns when PIN entry was bypassed (the
// cardholder pressed Enter without a PIN, or the cashier bypassed it).
var ErrPINBypassed = errors.New("PIN entry bypassed")

// CVM is the cardholder verification method the transaction ended with.
type CVM int

// The outcomes of cardholder verification.
const (
	CVMNotPerformed CVM = iota // no CVM list or the card does not support CV
	CVMFailed                  // every applicable method failed
	CVMOnlinePIN
	CVMOfflinePIN
	CVMOfflinePINAndSignature
	CVMSignature
	CVMNoCVM
	CVMCDCVM // verified on the consumer's device (phone wallets)
)

// String names the method as receipts do.
func (c CVM) String() string {
	return [...]string{"not performed", "failed", "online PIN", "offline PIN", "offline PIN and signature",
		"signature", "no CVM", "consumer device CVM"}[c]
}

// CVM codes (EMV Book 3 Annex C3, byte 1 bits 6-1).
const (
	cvmFail                    byte = 0x00
	cvmPlaintextPIN            byte = 0x01
	cvmOnlinePIN               byte = 0x02
	cvmPlaintextPINSignature   byte = 0x03
	cvmEncipheredPIN           byte = 0x04
	cvmEncipheredPINSignature  byte = 0x05
	cvmSignature               byte = 0x1E
	cvmNoCVM                   byte = 0x1F
	cvmNoCVMPerformed          byte = 0x3F
	cvmApplySucceeding         byte = 0x40
	cvmResultUnknown           byte = 0x00
	cvmResultFailed            byte = 0x01
	cvmResultSuccessful        byte = 0x02
	cvmConditionAlways         byte = 0x00
	cvmConditionTerminalHasCVM byte = 0x03
)

// cvmRule is one rule of the CVM list.
type cvmRule struct{ code, condition byte }

// cvmList is the parsed 8E: the amounts X and Y and the rules.
type cvmList struct {
	x, y  uint32
	rules []cvmRule
}

func parseCVMList(b []byte) (cvmList, error) {
	if len(b) < 8 || len(b)%2 != 0 {
		return cvmList{}, fmt.Errorf("CVM list of %d bytes: %w", len(b), ErrMalformed)
	}
	l := cvmList{x: binary.BigEndian.Uint32(b[0:4]), y: binary.BigEndian.Uint32(b[4:8])}
	for i := 8; i < len(b); i += 2 {
		l.rules = append(l.rules, cvmRule{code: b[i], condition: b[i+1]})
	}
	return l, nil
}

// cardholderVerification is EMV Book 3 10.5 with the conditions and methods of
// Annex C3. The outcome is in s.cvm and s.cvmResults (9F34); failures set TVR
// bits and the transaction goes on. Only a cancellation or a card communication
// error ends it.
func (s *session) cardholderVerification() error {
	s.cvmResults = [3]byte{cvmNoCVMPerformed, 0x00, cvmResultUnknown}
	if !s.aipHas(AIPCardholderVerify) {
		return nil
	}
	raw, ok := s.icc.get(tags.CVMList)
	if !ok {
		s.tvr.Set(TVRICCDataMissing)
		return nil
	}
	list, err := parseCVMList(raw)
	if err != nil {
		s.tvr.Set(TVRICCDataMissing)
		return nil
	}
	if len(list.rules) == 0 {
		return nil
	}
	s.tsi.Set(TSICardholderVerified)
	return s.applyCVMList(list, s.contactCVM)
}

// cvmPerformer tries one method: done says it succeeded, recognised that the code
// is one the kernel knows.
type cvmPerformer func(rule cvmRule) (done, recognised bool, err error)

// applyCVMList walks the rules: the first whose condition holds is tried; on
// failure bit 7 of the code says whether to go on to the next.
func (s *session) applyCVMList(list cvmList, perform cvmPerformer) error {
	var last *cvmRule
	for _, rule := range list.rules {
		if !s.cvmConditionHolds(rule, list) {
			continue
		}
		done, recognised, err := perform(rule)
		if err != nil {
			return err
		}
		if !recognised {
			s.tvr.Set(TVRUnrecognisedCVM)
		}
		if done {
			return nil
		}
		r := rule
		last = &r
		if rule.code&cvmApplySucceeding == 0 {
			break
		}
	}
	s.cvm = CVMFailed
	s.tvr.Set(TVRCardholderVerifyFail)
	if last != nil {
		s.cvmResults = [3]byte{last.code, last.condition, cvmResultFailed}
	} else {
		s.cvmResults = [3]byte{cvmNoCVMPerformed, 0x00, cvmResultFailed}
	}
	return nil
}

// cvmConditionHolds evaluates a rule's condition code (EMV Book 3 Annex C3, byte 2).
func (s *session) cvmConditionHolds(rule cvmRule, list cvmList) bool {
	cash := s.req.Type == TypeCash
	cashback := s.req.Type == TypeCashback || s.req.AmountOther > 0
	unattended := s.cfg.unattended()
	switch rule.condition {
	case cvmConditionAlways:
		return true
	case 0x01:
		return unattended && cash
	case 0x02:
		return !cash && !cashback
	case cvmConditionTerminalHasCVM:
		return s.terminalSupportsCVM(rule.code & 0x3F)
	case 0x04:
		return cash && !unattended
	case 0x05:
		return cashback
	case 0x06, 0x07, 0x08, 0x09:
		appCurrency, ok := s.icc.get(tags.ApplicationCurrencyCode)
		if !ok || [2]byte(appCurrency) != s.cfg.TransactionCurrencyCode || s.req.Amount < 0 {
			return false
		}
		amount := uint64(s.req.Amount)
		switch rule.condition {
		case 0x06:
			return amount < uint64(list.x)
		case 0x07:
			return amount > uint64(list.x)
		case 0x08:
			return amount < uint64(list.y)
		default:
			return amount > uint64(list.y)
		}
	}
	return false
}

// terminalSupportsCVM is the terminal capabilities (9F33) for a CVM code, limited to
// what this kernel performs: enciphered offline PIN is not implemented, and offline
// plaintext PIN needs a PIN pad that can verify offline.
func (s *session) terminalSupportsCVM(code byte) bool {
	_, offlinePad := s.k.opts.PINPad.(OfflinePINPad)
	switch code {
	case cvmFail:
		return true
	case cvmPlaintextPIN:
		return s.cfg.can(CapPlaintextPIN) && offlinePad
	case cvmPlaintextPINSignature:
		return s.cfg.can(CapPlaintextPIN) && offlinePad && s.cfg.can(CapSignature)
	case cvmOnlinePIN:
		return s.cfg.can(CapOnlinePIN) && s.k.opts.PINPad != nil
	case cvmSignature:
		return s.cfg.can(CapSignature)
	case cvmNoCVM:
		return s.cfg.can(CapNoCVM)
	}
	return false
}

// contactCVM performs one contact CVM.
func (s *session) contactCVM(rule cvmRule) (bool, bool, error) {
	code := rule.code & 0x3F
	succeed := func(cvm CVM, result byte) (bool, bool, error) {
		s.cvm = cvm
		s.cvmResults = [3]byte{rule.code, rule.condition, result}
		return true, true, nil
	}
	switch code {
	case cvmFail:
		return false, true, nil
	case cvmSignature, cvmNoCVM, cvmOnlinePIN, cvmPlaintextPIN, cvmPlaintextPINSignature:
	case cvmEncipheredPIN, cvmEncipheredPINSignature:
		if s.cfg.can(CapEncipheredPIN) && s.k.opts.PINPad == nil {
			s.tvr.Set(TVRPINPadNotWorking)
		}
		return false, true, nil
	default:
		return false, false, nil
	}
	if !s.terminalSupportsCVM(code) {
		if code != cvmSignature && code != cvmNoCVM {
			s.tvr.Set(TVRPINPadNotWorking)
		}
		return false, true, nil
	}
	switch code {
	case cvmSignature:
		s.signature = true
		return succeed(CVMSignature, cvmResultUnknown)
	case cvmNoCVM:
		return succeed(CVMNoCVM, cvmResultSuccessful)
	case cvmOnlinePIN:
		ok, err := s.onlinePIN()
		if !ok || err != nil {
			return false, true, err
		}
		return succeed(CVMOnlinePIN, cvmResultUnknown)
	default:
		ok, err := s.offlinePIN()
		if !ok || err != nil {
			return false, true, err
		}
		if code == cvmPlaintextPINSignature {
			s.signature = true
			return succeed(CVMOfflinePINAndSignature, cvmResultUnknown)
		}
		return succeed(CVMOfflinePIN, cvmResultSuccessful)
	}
}

// pinRequest describes the transaction to the PIN pad.
func (s *session) pinRequest() PINRequest {
	return PINRequest{Amount: s.req.Amount, CurrencyCode: s.cfg.TransactionCurrencyCode,
		CurrencyExponent: s.cfg.CurrencyExponent, PAN: s.pan(), TriesLeft: -1}
}

// pinPadOutcome sorts a PIN pad error into cancel (ends the transaction), bypass
// (TVR "PIN not entered") or a pad that does not work (TVR "PIN pad not working").
func (s *session) pinPadOutcome(err error) error {
	switch {
	case errors.Is(err, ErrCancelled) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("PIN entry: %w", err)
	case errors.Is(err, ErrPINBypassed):
		s.tvr.Set(TVRPINNotEntered)
	default:
		s.tvr.Set(TVRPINPadNotWorking)
	}
	return nil
}

// onlinePIN asks the PIN pad for an enciphered PIN block (EMV Book 3 10.5.1).
func (s *session) onlinePIN() (bool, error) {
	block, err := s.k.opts.PINPad.OnlinePIN(s.ctx, s.pinRequest())
	if err != nil {
		return false, s.pinPadOutcome(err)
	}
	if len(block.Block) == 0 {
		s.tvr.Set(TVRPINPadNotWorking)
		return false, nil
	}
	s.pin = &block
	s.tvr.Set(TVROnlinePINEntered)
	return true, nil
}

// maxOfflinePINTries bounds the retries of a wrong offline PIN when the card keeps
// reporting tries left.
const maxOfflinePINTries = 3

// offlinePIN verifies a plaintext PIN with the card through the PIN pad (EMV Book 3
// 10.5.1 and 6.5.12): the PIN try counter first when the card gives it, then
// VERIFY, again while the card says 63Cx with tries left.
func (s *session) offlinePIN() (bool, error) {
	pad := s.k.opts.PINPad.(OfflinePINPad)
	req := s.pinRequest()
	if data, sw, err := exchange(s.card, getDataCommand(0x9F17)); err != nil {
		return false, err
	} else if sw.Success() {
		if v, ok := tlvValue(data, tags.PINTryCounter); ok && len(v) == 1 {
			req.TriesLeft = int(v[0])
			if v[0] == 0 {
				s.tvr.Set(TVRPINTryLimitExceeded)
				return false, nil
			}
		}
	}
	for try := 0; try < maxOfflinePINTries; try++ {
		sw, err := pad.VerifyOfflinePIN(s.ctx, s.card, req)
		if err != nil {
			if errors.Is(err, ErrCard) {
				return false, err
			}
			return false, s.pinPadOutcome(err)
		}
		switch {
		case sw.Success():
			return true, nil
		case sw.SW1() == 0x63 && sw.SW2()&0xF0 == 0xC0:
			req.TriesLeft, req.Retry = int(sw.SW2()&0x0F), true
			if req.TriesLeft == 0 {
				s.tvr.Set(TVRPINTryLimitExceeded)
				return false, nil
			}
		case sw == SWAuthMethodBlocked || sw == SWDataInvalid:
			s.tvr.Set(TVRPINTryLimitExceeded)
			return false, nil
		default:
			return false, nil
		}
	}
	return false, nil
}
