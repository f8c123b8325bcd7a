package emvcardtest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"

	"tilldesk/core/emv/dol"
	"tilldesk/core/emv/tags"
	"tilldesk/core/emv/tlv"
)

// Terminal drives a card the way an EMV kernel does, one command at a time, keeping
// the data elements on both sides. It checks nothing on its own: tests decide what
// each answer should be.
type Terminal struct {
	// Transmit sends a command APDU and returns the response APDU.
	Transmit func(apdu []byte) ([]byte, error)
	// Data are the terminal's data elements, for the card's DOLs.
	Data map[tlv.Tag][]byte
	// ICC are the primitive data elements the card returned.
	ICC map[tlv.Tag][]byte
	// Static is the static data to be authenticated, built by ReadRecords.
	Static []byte
	// PDOLData and CDOLData are the DOL data sent so far (CDOLData: CDOL1, then
	// CDOL2), what the CDA transaction data hash covers.
	PDOLData, CDOLData []byte
}

// NewTerminal is a terminal in China with a purchase of 12.34 CNY dated 2026-05-17.
func NewTerminal(transmit func([]byte) ([]byte, error)) *Terminal {
	return &Terminal{
		Transmit: transmit,
		ICC:      map[tlv.Tag][]byte{},
		Data: map[tlv.Tag][]byte{
			tags.AmountAuthorised:              {0, 0, 0, 0, 0x12, 0x34},
			tags.AmountOther:                   {0, 0, 0, 0, 0, 0},
			tags.TerminalCountryCode:           {0x01, 0x56},
			tags.TerminalVerificationResults:   {0, 0, 0, 0, 0},
			tags.TransactionCurrencyCode:       {0x01, 0x56},
			tags.TransactionDate:               {0x26, 0x05, 0x17},
			tags.TransactionTime:               {0x12, 0x00, 0x00},
			tags.TransactionType:               {0x00},
			tags.UnpredictableNumber:           {0x11, 0x22, 0x33, 0x44},
			tags.TerminalType:                  {0x22},
			tags.TerminalCapabilities:          {0xE0, 0xF8, 0xC8},
			tags.CVMResults:                    {0x1F, 0x00, 0x02},
			tags.TerminalTransactionQualifiers: {0x26, 0x00, 0x40, 0x00}, // qVSDC, online PIN, signature; CDCVM
			tags.MerchantNameAndLocation:       []byte("TILLDESK DEMO STORE"),
		},
	}
}

// SW is a status word with what it means when it is not 9000.
type SW uint16

func (s SW) Error() string { return fmt.Sprintf("status word %04X", uint16(s)) }

// Send transmits a command and splits the answer into data and status word.
func (t *Terminal) Send(apdu []byte) ([]byte, SW, error) {
	resp, err := t.Transmit(apdu)
	if err != nil {
		return nil, 0, err
	}
	if len(resp) < 2 {
		return nil, 0, fmt.Errorf("response of %d bytes", len(resp))
	}
	return resp[:len(resp)-2], SW(binary.BigEndian.Uint16(resp[len(resp)-2:])), nil
}

// command sends a case 3 or 4 command (case 1 when data is nil and le is false).
func (t *Terminal) command(cla, ins, p1, p2 byte, data []byte, le bool) ([]byte, SW, error) {
	apdu := []byte{cla, ins, p1, p2}
	if data != nil {
		apdu = append(append(apdu, byte(len(data))), data...)
	}
	if le {
		apdu = append(apdu, 0x00)
	}
	return t.Send(apdu)
}

// exchange sends a command that must succeed, decodes its answer and keeps the card's
// data elements.
func (t *Terminal) exchange(cla, ins, p1, p2 byte, data []byte) ([]tlv.TLV, error) {
	resp, sw, err := t.command(cla, ins, p1, p2, data, true)
	if err != nil {
		return nil, err
	}
	if sw != 0x9000 {
		return nil, sw
	}
	objs, err := tlv.Decode(resp)
	if err != nil {
		return nil, err
	}
	t.collect(objs)
	return objs, nil
}

func (t *Terminal) collect(objs []tlv.TLV) {
	for _, o := range objs {
		if o.Tag.Constructed() {
			t.collect(o.Children)
		} else {
			t.ICC[o.Tag] = o.Value
		}
	}
}

// Select selects a DF by name; a blocked application's 6283 comes back as an error
// with the FCI kept.
func (t *Terminal) Select(name []byte) ([]tlv.TLV, error) {
	return t.exchange(0x00, 0xA4, 0x04, 0x00, name)
}

// source gives DOLs the terminal's data, then the card's.
func (t *Terminal) source() dol.Source {
	return dol.Chain(dol.FromMap(t.Data), dol.FromMap(t.ICC))
}

// GetProcessingOptions sends the PDOL data of the selected application's PDOL.
func (t *Terminal) GetProcessingOptions() ([]tlv.TLV, error) {
	data, err := dol.BuildFromDOL(t.ICC[tags.PDOL], t.source())
	if err != nil {
		return nil, err
	}
	t.PDOLData = data
	objs, err := t.exchange(0x80, 0xA8, 0x00, 0x00, append([]byte{0x83, byte(len(data))}, data...))
	if err != nil {
		return nil, err
	}
	if v, ok := tlv.Value(objs, tags.ResponseTemplateFormat1); ok && len(v) >= 2 {
		t.ICC[tags.ApplicationInterchangeProfile], t.ICC[tags.ApplicationFileLocator] = v[:2], v[2:]
	}
	return objs, nil
}

// ReadRecords reads every record the AFL names and builds the static data to be
// authenticated from those it marks (EMV Book 3 10.3), with the AIP when the SDA tag
// list asks for it.
func (t *Terminal) ReadRecords() error {
	afl := t.ICC[tags.ApplicationFileLocator]
	if len(afl) == 0 || len(afl)%4 != 0 {
		return fmt.Errorf("AFL of %d bytes", len(afl))
	}
	t.Static = nil
	for i := 0; i < len(afl); i += 4 {
		sfi, first, last, signed := afl[i]>>3, afl[i+1], afl[i+2], afl[i+3]
		for rec := first; rec <= last && rec >= first; rec++ {
			resp, sw, err := t.command(0x00, 0xB2, rec, sfi<<3|4, nil, true)
			if err != nil {
				return err
			}
			if sw != 0x9000 {
				return fmt.Errorf("record %d of SFI %d: %w", rec, sfi, sw)
			}
			objs, err := tlv.Decode(resp)
			if err != nil || len(objs) != 1 || objs[0].Tag != tags.ReadRecordResponseTemplate {
				return fmt.Errorf("record %d of SFI %d is not a template 70", rec, sfi)
			}
			t.collect(objs)
			if rec-first < signed {
				t.Static = append(t.Static, objs[0].Value...)
			}
		}
	}
	if list := t.ICC[tags.SDATagList]; len(list) == 1 && list[0] == byte(tags.ApplicationInterchangeProfile) {
		t.Static = append(t.Static, t.ICC[tags.ApplicationInterchangeProfile]...)
	}
	return nil
}

// GenerateAC sends GENERATE AC with the data of CDOL1 or CDOL2 and keeps the answer
// (a format 1 answer split into CID, ATC, AC and IAD).
func (t *Terminal) GenerateAC(p1 byte, cdol tlv.Tag) ([]tlv.TLV, error) {
	data, err := dol.BuildFromDOL(t.ICC[cdol], t.source())
	if err != nil {
		return nil, err
	}
	t.CDOLData = append(t.CDOLData, data...)
	delete(t.ICC, tags.ApplicationCryptogram)
	delete(t.ICC, tags.SignedDynamicApplicationData)
	objs, err := t.exchange(0x80, 0xAE, p1, 0x00, data)
	if err != nil {
		return nil, err
	}
	if v, ok := tlv.Value(objs, tags.ResponseTemplateFormat1); ok {
		if len(v) < 11 {
			return nil, errors.New("format 1 GENERATE AC response too short")
		}
		t.ICC[tags.CryptogramInformationData], t.ICC[tags.ApplicationTransactionCounter] = v[:1], v[1:3]
		t.ICC[tags.ApplicationCryptogram], t.ICC[tags.IssuerApplicationData] = v[3:11], v[11:]
	}
	return objs, nil
}

// ICCData is the DE55 an authorisation would carry: the cryptogram, the data it
// covers, and the PAN.
func (t *Terminal) ICCData() ([]byte, error) {
	values := maps.Clone(t.Data)
	maps.Copy(values, t.ICC)
	var objs []tlv.TLV
	for _, tag := range []tlv.Tag{tags.ApplicationCryptogram, tags.CryptogramInformationData, tags.IssuerApplicationData,
		tags.UnpredictableNumber, tags.ApplicationTransactionCounter, tags.TerminalVerificationResults, tags.TransactionDate,
		tags.TransactionType, tags.AmountAuthorised, tags.TransactionCurrencyCode, tags.ApplicationInterchangeProfile,
		tags.TerminalCountryCode, tags.AmountOther, tags.ApplicationPAN, tags.PANSequenceNumber} {
		if v, ok := values[tag]; ok {
			objs = append(objs, tlv.New(tag, v))
		}
	}
	return tlv.Encode(objs...)
}
