package kernel

import (
	"bytes"
	"errors"
	"testing"

	"tilldesk/core/emv/tags"
)

// Records recorded in openemv/emv-utils tests/emv_read_application_data_test.c.
const (
	recordSFI1Rec2 = "703357114761739001010119D22122011758928889" + "5F200C455850495245442F434152449F1F0E3137353839303936303030303030"
	recordPANDates = "70145A0847617390010101195F3401015F24032212" + "31"
	recordCDOLs    = "70465A0847617390010101195F3401015F24032212318C159F02069F03069F1A0295055F2A029A039C019F37048D198A029F02069F03069F1A0295055F2A029A039C019F3704" + "9108"
	recordODAKeys  = "70138F0194920" + "09F3201039F4701039F49039F3704"
)

func TestReadApplicationData(t *testing.T) {
	tests := []struct {
		name      string
		afl       string
		steps     []step
		err       error
		staticBad bool
		static    string
	}{
		{"malformed AFL (SFI bits)", "090202001001040018010201", nil, ErrMalformed, false, ""},
		{"malformed AFL entry (last record 0)", "080202001001000018010201", nil, ErrMalformed, false, ""},
		{"READ RECORD 6985", "080202001001040018010201", []step{{"00B2020C00", "6985"}}, nil, false, ""},
		{"not a record template", "080202001001040018010201", []step{{"00B2020C00", "71009000"}}, ErrMalformed, false, ""},
		{"data after the template", "080202001001040018010201", []step{{"00B2020C00", recordSFI1Rec2 + "FFFF9000"}}, ErrMalformed, false, ""},
		{"malformed data in the record", "080202001001040018010201", []step{{"00B2020C00",
			"703357114761739001010119D221220117589288895F200C455850495245442F434152449F1F0F31373538393039363030303030309000"}}, ErrMalformed, false, ""},
		{"redundant data element", "0802020010010200", []step{{"00B2020C00", recordSFI1Rec2 + "9000"},
			{"00B2011400", recordODAKeys + "9000"}, {"00B2021400", "70038F01949000"}}, ErrMalformed, false, ""},
		{"records read, one for ODA", "0802020010010201", []step{{"00B2020C00", recordSFI1Rec2 + "9000"},
			{"00B2011400", recordPANDates + "9000"}, {"00B2021400", recordODAKeys + "9000"}}, nil, false,
			recordPANDates[4:]},
		{"ODA record of SFI 12 not a template", "08020200600101011001020158010101", []step{{"00B2020C00", recordSFI1Rec2 + "9000"},
			{"00B2016400", "FF9000"}, {"00B2011400", recordCDOLs + "9000"}, {"00B2021400", recordODAKeys + "9000"},
			{"00B2015C00", "700301 01FF9000"}}, nil, true, ""},
		{"ODA record of SFI 11 kept whole", "0802020010010201580101 01", []step{{"00B2020C00", recordSFI1Rec2 + "9000"},
			{"00B2011400", recordCDOLs + "9000"}, {"00B2021400", recordODAKeys + "9000"},
			{"00B2015C00", "7003 0101FF 9000"}}, nil, false, recordCDOLs[4:] + "70030101FF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			card := play(t, tt.steps...)
			s := newTestSession(t, card, nil, Options{}, Request{})
			s.afl = unhex(t, tt.afl)
			err := s.readApplicationData()
			var se *StatusError
			if tt.name == "READ RECORD 6985" {
				if !errors.As(err, &se) || se.SW != SWConditionsNotMet {
					t.Fatalf("err = %v, want the 6985 refusal", err)
				}
			} else if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err == nil {
				if s.staticBad != tt.staticBad {
					t.Fatalf("staticBad = %v", s.staticBad)
				}
				if !tt.staticBad && !bytes.Equal(s.staticData, unhex(t, tt.static)) {
					t.Fatalf("static data %X, want %s", s.staticData, tt.static)
				}
			}
			card.done()
		})
	}
}

func TestSDATagListAndMandatoryData(t *testing.T) {
	s := newTestSession(t, play(t), nil, Options{}, Request{})
	s.aip = [2]byte{0x5C, 0x00}
	s.icc[tags.SDATagList] = []byte{0x82}
	if err := s.addSDATagList(); err != nil || !bytes.Equal(s.staticData, []byte{0x5C, 0x00}) || s.staticBad {
		t.Fatalf("9F4A=82: %X %v %v", s.staticData, s.staticBad, err)
	}
	s.icc[tags.SDATagList] = []byte{0x9F, 0x36}
	if _ = s.addSDATagList(); !s.staticBad {
		t.Fatal("9F4A naming 9F36 must make ODA fail")
	}
	err := s.checkMandatoryData()
	if !errors.Is(err, ErrMissingData) || !s.tvr.Has(TVRICCDataMissing) || err.Error() != "[5A 5F24 8C 8D]: mandatory card data missing" {
		t.Fatalf("missing data: %v, TVR %s", err, s.tvr)
	}
}
