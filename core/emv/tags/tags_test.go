package tags

import (
	"strings"
	"testing"

	"tilldesk/core/emv/tlv"
)

func TestDictionaryIsWellFormed(t *testing.T) {
	seen := map[tlv.Tag]bool{}
	for _, info := range All() {
		if seen[info.Tag] {
			t.Errorf("%s listed twice", info.Tag)
		}
		seen[info.Tag] = true
		if !info.Tag.Valid() {
			t.Errorf("%s is not a well-formed tag", info.Tag)
		}
		if info.Name == "" || info.MinLen < 0 || info.MinLen > info.MaxLen {
			t.Errorf("%s: bad entry %+v", info.Tag, info)
		}
		if got, ok := Lookup(info.Tag); !ok || got != info {
			t.Errorf("Lookup(%s) = %+v, %v", info.Tag, got, ok)
		}
	}
}

// The elements of the brief's DOL and DE55 list are all present.
func TestDictionaryCoversDE55(t *testing.T) {
	for _, s := range strings.Fields("9F02 9F03 9F1A 95 5F2A 9A 9C 9F37 82 9F36 9F26 9F27 9F10 9F33 9F34 9F35 84 9F09 " +
		"9F1E 9F41 5F34 4F 50 57 5A 5F24 5F20 8C 8D 8E 8F 90 92 93 94 9F32 9F46 9F47 9F48 9F49 9F4A 9F4B 9F6C " +
		"9F66 9F6E 9F38 9F4E 9F40 9F21 9F39 9F15 9F16 9F1C 9F4C 91 71 72 8A") {
		tag, err := tlv.ParseTag(s)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := Lookup(tag); !ok {
			t.Errorf("%s missing", s)
		}
	}
}

// Formats, lengths and sources as EMV Book 3 Annex A states them.
func TestDictionaryEntries(t *testing.T) {
	tests := []struct {
		tag      tlv.Tag
		format   Format
		min, max int
		source   Source
	}{
		{AmountAuthorised, Numeric, 6, 6, Terminal},
		{ApplicationPAN, CompressedNumeric, 1, 10, ICC},
		{TransactionType, Numeric, 1, 1, Terminal},
		{TerminalVerificationResults, Binary, 5, 5, Terminal},
		{ApplicationLabel, AlphanumericSpecial, 1, 16, ICC},
		{TerminalIdentification, Alphanumeric, 8, 8, Terminal},
		{IssuerAuthenticationData, Binary, 8, 16, Issuer},
		{TransactionSequenceCounter, Numeric, 2, 4, Terminal},
	}
	for _, tt := range tests {
		info, ok := Lookup(tt.tag)
		if !ok || info.Format != tt.format || info.MinLen != tt.min || info.MaxLen != tt.max || info.Source != tt.source {
			t.Errorf("%s = %+v", tt.tag, info)
		}
	}
}

func TestCheckLength(t *testing.T) {
	amount, _ := Lookup(AmountAuthorised)
	if err := amount.CheckLength(6); err != nil {
		t.Error(err)
	}
	if err := amount.CheckLength(5); err == nil || err.Error() != "tags: 9F02 (Amount, Authorised (Numeric)) is 5 bytes, must be 6" {
		t.Errorf("got %v", err)
	}
	label, _ := Lookup(ApplicationLabel)
	if err := label.CheckLength(17); err == nil || !strings.Contains(err.Error(), "must be 1 to 16") {
		t.Errorf("got %v", err)
	}
}

func TestFormatAndSourceNames(t *testing.T) {
	got := []string{Binary.String(), Numeric.String(), CompressedNumeric.String(), Alphanumeric.String(),
		AlphanumericSpecial.String(), ICC.String(), Terminal.String(), Issuer.String()}
	if strings.Join(got, " ") != "b n cn an ans ICC Terminal Issuer" {
		t.Errorf("got %v", got)
	}
}
