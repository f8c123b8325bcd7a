package kernel

import (
	"bytes"
	"fmt"
	"time"

	"tilldesk/core/emv/dol"
	"tilldesk/core/emv/tags"
	"tilldesk/core/emv/tlv"
)

// cardData holds the data elements the card gave in one transaction (FCI, GET
// PROCESSING OPTIONS, records, GET DATA, GENERATE AC), by tag.
type cardData map[tlv.Tag][]byte

// get returns a data element's value.
func (d cardData) get(tag tlv.Tag) ([]byte, bool) {
	v, ok := d[tag]
	return v, ok
}

// has reports whether the card gave the element.
func (d cardData) has(tag tlv.Tag) bool {
	_, ok := d[tag]
	return ok
}

// addPrimitives stores every primitive element found in objs at any depth. When
// unique is set (records, EMV Book 3 10.2), an element the card already gave is an
// error; otherwise the later value replaces the earlier. A fixed-length element of
// the wrong length is refused; an empty one counts as absent.
func (d cardData) addPrimitives(objs []tlv.TLV, unique bool) error {
	for _, obj := range objs {
		if obj.Tag.Constructed() {
			if err := d.addPrimitives(obj.Children, unique); err != nil {
				return err
			}
			continue
		}
		if unique && d.has(obj.Tag) {
			return fmt.Errorf("%s given twice: %w", obj.Tag, ErrMalformed)
		}
		if len(obj.Value) == 0 {
			continue // a zero-length element is an absent one (EMV Book 3 5.3)
		}
		if info, known := tags.Lookup(obj.Tag); known && info.Source == tags.ICC && info.MinLen == info.MaxLen {
			if err := info.CheckLength(len(obj.Value)); err != nil {
				return fmt.Errorf("%w: %w", err, ErrMalformed)
			}
		}
		d[obj.Tag] = bytes.Clone(obj.Value)
	}
	return nil
}

// terminalData builds the terminal-sourced data elements of a transaction from the
// configuration, the request and the clock.
func terminalData(cfg *Config, aid AIDConfig, req Request, now time.Time, unpredictable [4]byte) map[tlv.Tag][]byte {
	d := map[tlv.Tag][]byte{
		tags.AmountAuthorised:                 bcdAmount(req.Amount),
		tags.AmountOther:                      bcdAmount(req.AmountOther),
		tags.AmountReferenceCurrency:          binaryAmount(req.Amount),
		tags.TransactionCurrencyCode:          cfg.TransactionCurrencyCode[:],
		tags.TransactionCurrencyExponent:      {cfg.CurrencyExponent},
		tags.TerminalCountryCode:              cfg.TerminalCountryCode[:],
		tags.TransactionDate:                  bcdDate(now),
		tags.TransactionTime:                  bcdTime(now),
		tags.TransactionType:                  {req.Type},
		tags.UnpredictableNumber:              unpredictable[:],
		tags.TerminalType:                     {cfg.TerminalType},
		tags.TerminalCapabilities:             cfg.Capabilities[:],
		tags.AdditionalTerminalCapabilities:   cfg.AdditionalCapabilities[:],
		tags.MerchantCategoryCode:             cfg.MerchantCategoryCode[:],
		tags.IFDSerialNumber:                  []byte(cfg.IFDSerialNumber),
		tags.ApplicationVersionNumberTerminal: aid.ApplicationVersion[:],
		tags.ApplicationIdentifierTerminal:    aid.AID,
		tags.TerminalFloorLimit:               binaryAmount(aid.FloorLimit),
		tags.TransactionSequenceCounter:       bcdUint(uint64(req.SequenceCounter), 4),
		tags.POSEntryMode:                     {0x05},
		tags.AcquirerIdentifier:               cfg.AcquirerID[:],
		tags.TerminalTransactionQualifiers:    aid.TTQ[:],
	}
	if req.Interface == Contactless {
		d[tags.POSEntryMode] = []byte{0x07}
	}
	if cfg.TerminalID != "" {
		d[tags.TerminalIdentification] = []byte(cfg.TerminalID)
	}
	if cfg.MerchantID != "" {
		d[tags.MerchantIdentifier] = []byte(cfg.MerchantID)
	}
	if cfg.MerchantName != "" {
		d[tags.MerchantNameAndLocation] = []byte(cfg.MerchantName)
	}
	return d
}

// source is where DOLs find their data: the terminal's elements (with the TVR, TSI
// and CVM Results as they are now), then the card's.
func (s *session) source() dol.Source {
	return func(tag tlv.Tag) ([]byte, bool) {
		switch tag {
		case tags.TerminalVerificationResults:
			return bytes.Clone(s.tvr[:]), true
		case tags.TransactionStatusInformation:
			return bytes.Clone(s.tsi[:]), true
		case tags.CVMResults:
			return bytes.Clone(s.cvmResults[:]), true
		}
		if v, ok := s.terminal[tag]; ok {
			return v, true
		}
		return s.icc.get(tag)
	}
}

// bcdAmount is an amount in minor units as n12 (six BCD bytes).
func bcdAmount(minor int64) []byte {
	if minor < 0 {
		minor = 0
	}
	return bcdUint(uint64(minor), 6)
}

// binaryAmount is an amount as four binary bytes (9F1B, 9F3A), saturated.
func binaryAmount(minor int64) []byte {
	if minor < 0 {
		minor = 0
	}
	if minor > 0xFFFFFFFF {
		minor = 0xFFFFFFFF
	}
	return []byte{byte(minor >> 24), byte(minor >> 16), byte(minor >> 8), byte(minor)}
}

// bcdUint writes v as n digits packed two per byte into size bytes, keeping the
// rightmost digits.
func bcdUint(v uint64, size int) []byte {
	out := make([]byte, size)
	for i := size - 1; i >= 0; i-- {
		out[i] = byte(v%10) | byte(v/10%10)<<4
		v /= 100
	}
	return out
}

// bcdToUint reads packed BCD; ok is false if a nibble is not a digit.
func bcdToUint(b []byte) (uint64, bool) {
	var v uint64
	for _, c := range b {
		hi, lo := c>>4, c&0x0F
		if hi > 9 || lo > 9 {
			return 0, false
		}
		v = v*100 + uint64(hi)*10 + uint64(lo)
	}
	return v, true
}

func bcdDate(t time.Time) []byte {
	return []byte{bcdByte(t.Year() % 100), bcdByte(int(t.Month())), bcdByte(t.Day())}
}

func bcdTime(t time.Time) []byte {
	return []byte{bcdByte(t.Hour()), bcdByte(t.Minute()), bcdByte(t.Second())}
}

func bcdByte(v int) byte { return byte(v/10)<<4 | byte(v%10) }

// emvDate reads YYMMDD (n6) into a comparable number YYYYMMDD. Years 00-49 are 20xx
// and 50-99 are 19xx (EMV Book 4 6.7.3).
func emvDate(b []byte) (int, bool) {
	if len(b) != 3 {
		return 0, false
	}
	v, ok := bcdToUint(b)
	if !ok {
		return 0, false
	}
	yy, mm, dd := int(v/10000), int(v/100%100), int(v%100)
	if mm < 1 || mm > 12 || dd < 1 || dd > 31 {
		return 0, false
	}
	year := 2000 + yy
	if yy >= 50 {
		year = 1900 + yy
	}
	return year*10000 + mm*100 + dd, true
}

// today is the transaction date as YYYYMMDD.
func today(t time.Time) int { return t.Year()*10000 + int(t.Month())*100 + t.Day() }

// tlvValue decodes a response and finds a primitive element in it.
func tlvValue(data []byte, tag tlv.Tag) ([]byte, bool) {
	objs, err := tlv.Decode(data)
	if err != nil {
		return nil, false
	}
	return tlv.Value(objs, tag)
}
