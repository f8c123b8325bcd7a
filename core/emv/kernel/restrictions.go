package kernel

import (
	"bytes"

	"tilldesk/core/emv/tags"
)

// Application Usage Control bits (9F07, EMV Book 3 Annex C2).
var (
	AUCDomesticCash          = Bit{0, 0x80, "valid for domestic cash transactions"}
	AUCInternationalCash     = Bit{0, 0x40, "valid for international cash transactions"}
	AUCDomesticGoods         = Bit{0, 0x20, "valid for domestic goods"}
	AUCInternationalGoods    = Bit{0, 0x10, "valid for international goods"}
	AUCDomesticServices      = Bit{0, 0x08, "valid for domestic services"}
	AUCInternationalServices = Bit{0, 0x04, "valid for international services"}
	AUCATMs                  = Bit{0, 0x02, "valid at ATMs"}
	AUCNonATMs               = Bit{0, 0x01, "valid at terminals other than ATMs"}
	AUCDomesticCashback      = Bit{1, 0x80, "domestic cashback allowed"}
	AUCInternationalCashback = Bit{1, 0x40, "international cashback allowed"}
)

// processingRestrictions is EMV Book 3 10.4: application versions, application
// usage control and the effective and expiry dates. It only sets TVR bits.
func (s *session) processingRestrictions() {
	if v, ok := s.icc.get(tags.ApplicationVersionNumberICC); ok && !bytes.Equal(v, s.aid.ApplicationVersion[:]) {
		s.tvr.Set(TVRDifferentVersions)
	}
	if auc, ok := s.icc.get(tags.ApplicationUsageControl); ok && len(auc) == 2 && !s.usageAllowed([2]byte(auc)) {
		s.tvr.Set(TVRServiceNotAllowed)
	}
	now := today(s.now)
	if d, ok := s.icc.get(tags.ApplicationEffectiveDate); ok {
		if eff, valid := emvDate(d); !valid || eff > now {
			s.tvr.Set(TVRNotYetEffective)
		}
	}
	if d, ok := s.icc.get(tags.ApplicationExpirationDate); ok {
		if exp, valid := emvDate(d); !valid || exp < now {
			s.tvr.Set(TVRExpiredApplication)
		}
	}
}

// usageAllowed applies the application usage control to this terminal and
// transaction: ATM or not, and, when the card names its issuer's country,
// domestic or international cash, goods, services and cashback.
func (s *session) usageAllowed(auc [2]byte) bool {
	has := func(b Bit) bool { return auc[b.Byte]&b.Mask != 0 }
	if s.isATM() && !has(AUCATMs) || !s.isATM() && !has(AUCNonATMs) {
		return false
	}
	country, ok := s.icc.get(tags.IssuerCountryCode)
	if !ok {
		return true
	}
	domestic := bytes.Equal(country, s.cfg.TerminalCountryCode[:])
	pick := func(dom, intl Bit) bool {
		if domestic {
			return has(dom)
		}
		return has(intl)
	}
	switch {
	case s.req.Type == TypeCash:
		return pick(AUCDomesticCash, AUCInternationalCash)
	case s.req.Type == TypeCashback || s.req.AmountOther > 0:
		return pick(AUCDomesticCashback, AUCInternationalCashback) && pick(AUCDomesticGoods, AUCInternationalGoods)
	case s.req.Type == TypePurchase && s.req.Services:
		return pick(AUCDomesticServices, AUCInternationalServices)
	case s.req.Type == TypePurchase:
		return pick(AUCDomesticGoods, AUCInternationalGoods)
	}
	return true
}

// isATM: an unattended terminal of a financial institution with cash (EMV Book 4
// Annex A1: types 14, 15, 16 dispensing cash).
func (s *session) isATM() bool {
	t := s.cfg.TerminalType
	return t >= 0x14 && t <= 0x16 && s.cfg.AdditionalCapabilities[0]&0x80 != 0
}
