package kernel

import (
	"encoding/binary"

	"tilldesk/core/emv/tags"
	"tilldesk/core/emv/tlv"
)

// terminalRiskManagement is EMV Book 3 10.6 and Book 4 6.3.5, performed when the
// AIP asks for it: exception file, floor limit, random transaction selection and
// velocity checking (GET DATA of the ATC and last online ATC against the
// consecutive offline limits). A merchant forcing the transaction online is noted
// either way.
func (s *session) terminalRiskManagement() error {
	if s.req.ForceOnline {
		s.tvr.Set(TVRMerchantForcedOnline)
	}
	if !s.aipHas(AIPTerminalRisk) {
		return nil
	}
	s.tsi.Set(TSITerminalRiskManagement)
	if s.onExceptionFile() {
		s.tvr.Set(TVRCardOnExceptionFile)
	}
	if s.req.Amount >= s.aid.FloorLimit {
		s.tvr.Set(TVRExceedsFloorLimit)
	} else if s.cfg.onlineCapable() && s.randomlySelected() {
		s.tvr.Set(TVRRandomlySelected)
	}
	return s.velocityCheck()
}

// onExceptionFile looks the PAN up in the terminal's exception file.
func (s *session) onExceptionFile() bool {
	pan := s.pan()
	if s.cfg.ExceptionFileHasPAN != nil {
		psn := byte(0)
		if v, ok := s.icc.get(tags.PANSequenceNumber); ok && len(v) == 1 {
			psn = v[0]
		}
		return s.cfg.ExceptionFileHasPAN(pan, psn)
	}
	for _, p := range s.cfg.ExceptionFile {
		if p == pan {
			return true
		}
	}
	return false
}

// randomlySelected is EMV Book 4 6.3.5.2: a random number from 1 to 99 against the
// target percentage, which rises from TargetPercent at the threshold value to
// MaxTargetPercent at the floor limit.
func (s *session) randomlySelected() bool {
	amount, threshold, floor := s.req.Amount, s.aid.ThresholdValue, s.aid.FloorLimit
	percent := int64(s.aid.TargetPercent)
	if amount >= threshold && floor > threshold {
		percent += int64(s.aid.MaxTargetPercent-s.aid.TargetPercent) * (amount - threshold) / (floor - threshold)
	}
	if percent <= 0 {
		return false
	}
	var b [2]byte
	if _, err := s.k.opts.Random.Read(b[:]); err != nil {
		return false
	}
	random := int64(binary.BigEndian.Uint16(b[:]))%99 + 1
	return random <= percent
}

// velocityCheck is EMV Book 3 10.6.3: with both consecutive offline limits given,
// read the ATC and the last online ATC; a card that will not give them raises both
// limit bits; a last online ATC of zero is a new card.
func (s *session) velocityCheck() error {
	lcol, okL := s.icc.get(tags.LowerConsecutiveOfflineLimit)
	ucol, okU := s.icc.get(tags.UpperConsecutiveOfflineLimit)
	if !okL || !okU {
		return nil
	}
	atc, err := s.getData2(0x9F36, tags.ApplicationTransactionCounter)
	if err != nil {
		return err
	}
	lastOnline, err := s.getData2(0x9F13, tags.LastOnlineATCRegister)
	if err != nil {
		return err
	}
	if atc < 0 || lastOnline < 0 || atc < lastOnline {
		s.tvr.Set(TVRLCOLExceeded)
		s.tvr.Set(TVRUCOLExceeded)
		if lastOnline == 0 {
			s.tvr.Set(TVRNewCard)
		}
		return nil
	}
	offline := atc - lastOnline
	if offline > int(lcol[0]) {
		s.tvr.Set(TVRLCOLExceeded)
	}
	if offline > int(ucol[0]) {
		s.tvr.Set(TVRUCOLExceeded)
	}
	if lastOnline == 0 {
		s.tvr.Set(TVRNewCard)
	}
	return nil
}

// getData2 reads a two-byte counter with GET DATA; -1 when the card does not give it.
func (s *session) getData2(p1p2 uint16, tag tlv.Tag) (int, error) {
	data, sw, err := exchange(s.card, getDataCommand(p1p2))
	if err != nil {
		return -1, err
	}
	if !sw.Success() {
		return -1, nil
	}
	v, ok := tlvValue(data, tag)
	if !ok || len(v) != 2 {
		return -1, nil
	}
	return int(binary.BigEndian.Uint16(v)), nil
}
