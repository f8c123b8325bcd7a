package kernel

import (
	"errors"
	"fmt"

	"tilldesk/core/emv/tags"
	"tilldesk/core/emv/tlv"
)

// ErrMissingData: the card did not give a data element the kernel cannot do without
// (EMV Book 3 10.2: 5A, 5F24, 8C and 8D are mandatory).
var ErrMissingData = errors.New("mandatory card data missing")

// aflEntry is one 4-byte entry of the Application File Locator.
type aflEntry struct {
	sfi, first, last, odaCount byte
}

// parseAFL checks and splits the AFL (EMV Book 3 10.2): SFI 1 to 30, the first
// record at least 1, the last not before the first, no more ODA records than records.
func parseAFL(afl []byte) ([]aflEntry, error) {
	if len(afl)%4 != 0 {
		return nil, fmt.Errorf("AFL of %d bytes: %w", len(afl), ErrMalformed)
	}
	entries := make([]aflEntry, 0, len(afl)/4)
	for i := 0; i < len(afl); i += 4 {
		e := aflEntry{sfi: afl[i] >> 3, first: afl[i+1], last: afl[i+2], odaCount: afl[i+3]}
		if afl[i]&0x07 != 0 || e.sfi < 1 || e.sfi > 30 || e.first < 1 || e.last < e.first || int(e.odaCount) > int(e.last-e.first)+1 {
			return nil, fmt.Errorf("AFL entry % X: %w", afl[i:i+4], ErrMalformed)
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// readApplicationData reads every record the AFL names (EMV Book 3 10.2), keeps
// their data elements (a second occurrence of one is an error) and collects the
// static data to be authenticated from the records flagged for ODA: for SFI 1 to
// 10 the value of the 70 template, for SFI 11 to 30 the whole record; a flagged
// record that is not a 70 template makes ODA fail later. The AIP joins the static
// data when the SDA tag list (9F4A) asks for it.
func (s *session) readApplicationData() error {
	entries, err := parseAFL(s.afl)
	if err != nil {
		return err
	}
	if len(entries) == 0 && s.req.Interface == Contact {
		return fmt.Errorf("empty AFL: %w", ErrMalformed)
	}
	for _, e := range entries {
		for record := int(e.first); record <= int(e.last); record++ {
			if err := s.checkCancelled(); err != nil {
				return err
			}
			forODA := record-int(e.first) < int(e.odaCount)
			if err := s.readRecord(e.sfi, byte(record), forODA); err != nil {
				return err
			}
		}
	}
	return s.addSDATagList()
}

// readRecord reads and files one record.
func (s *session) readRecord(sfi, record byte, forODA bool) error {
	cmd := readRecordCommand(sfi, record)
	data, err := exchangeOK(s.card, cmd)
	if err != nil {
		return err
	}
	obj, rest, err := tlv.DecodeOne(data)
	isTemplate := err == nil && len(rest) == 0 && obj.Tag == tags.ReadRecordResponseTemplate
	if sfi > 10 {
		if forODA {
			if isTemplate {
				s.staticData = append(s.staticData, data...)
			} else {
				s.staticBad = true
			}
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w: %w", cmd.name, err, ErrMalformed)
	}
	if !isTemplate {
		return fmt.Errorf("%s: not a single 70 template: %w", cmd.name, ErrMalformed)
	}
	if err := s.icc.addPrimitives(obj.Children, true); err != nil {
		return fmt.Errorf("%s: %w", cmd.name, err)
	}
	if forODA {
		s.staticData = append(s.staticData, obj.Value...)
	}
	return nil
}

// addSDATagList appends the values the SDA tag list names; EMV Book 3 10.3 allows
// only the AIP there, anything else makes ODA fail.
func (s *session) addSDATagList() error {
	list, ok := s.icc.get(tags.SDATagList)
	if !ok {
		return nil
	}
	for i := 0; i < len(list); {
		tag, n, err := tlv.ReadTag(list[i:])
		if err != nil || tag != tags.ApplicationInterchangeProfile {
			s.staticBad = true
			return nil
		}
		s.staticData = append(s.staticData, s.aip[:]...)
		i += n
	}
	return nil
}

// checkMandatoryData ends the transaction when the records lack what EMV Book 3
// 10.2 requires: the PAN, the expiry date and both CDOLs.
func (s *session) checkMandatoryData() error {
	var missing []string
	for _, tag := range []tlv.Tag{tags.ApplicationPAN, tags.ApplicationExpirationDate, tags.CDOL1, tags.CDOL2} {
		if !s.icc.has(tag) {
			missing = append(missing, tag.String())
		}
	}
	if len(missing) > 0 {
		s.tvr.Set(TVRICCDataMissing)
		return fmt.Errorf("%v: %w", missing, ErrMissingData)
	}
	return nil
}
