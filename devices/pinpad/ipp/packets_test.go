package ipp

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"tilldesk/core/dukpt"
	"tilldesk/devices"
)

func TestPacketType(t *testing.T) {
	tests := []struct {
		framing Framing
		body    string
		want    string
	}{
		{Text, "Z2\x1aTOTAL", "Z2"},
		{Text, "Z2601.00", "Z2"}, // Z2 text "601.00": Z26 is no packet
		{Text, "Z60.4761739001010010\x1cDUKPT ENCRYPTION", "Z60"},
		{Text, "73.00000", "73"},
		{Text, "72", "72"},
		{Management, "25", "25"},
		{Management, "M04", "M04"},
		{Text, "7", "7"},
		{Text, "", ""},
	}
	for _, tt := range tests {
		if got := PacketType(Frame{Framing: tt.framing, Body: []byte(tt.body)}); got != tt.want {
			t.Errorf("PacketType(%q) = %q, want %q", tt.body, got, tt.want)
		}
	}
}

func TestDisplayRequest(t *testing.T) {
	f, err := DisplayRequest("AMOUNT CNY 12.34ENTER PIN")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(f.Body), "Z2\x1aAMOUNT CNY 12.34ENTER PIN"; got != want {
		t.Errorf("body %q, want %q", got, want)
	}
	text, cleared, err := ParseDisplayRequest(f)
	if err != nil || !cleared || text != "AMOUNT CNY 12.34ENTER PIN" {
		t.Errorf("parse = %q, %v, %v", text, cleared, err)
	}
	if text, cleared, err := ParseDisplayRequest(Frame{Framing: Text, Body: []byte("Z2HELLO")}); err != nil || cleared || text != "HELLO" {
		t.Errorf("Z2 without SUB parses as %q, %v, %v", text, cleared, err)
	}
	for _, bad := range []string{strings.Repeat("X", MaxDisplayText+1), "请输入密码", "tab\there"} {
		if _, err := DisplayRequest(bad); !errors.Is(err, ErrBody) {
			t.Errorf("DisplayRequest(%q) error %v, want ErrBody", bad, err)
		}
	}
}

func TestPINRequest(t *testing.T) {
	f, err := PINRequest("4761739001010010", TDES)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(f.Body), "Z60.4761739001010010\x1cDUKPT ENCRYPTION"; got != want {
		t.Errorf("body %q, want %q", got, want)
	}
	pan, key, err := ParsePINRequest(f)
	if err != nil || pan != "4761739001010010" || key != TDES {
		t.Errorf("parse = %q, %v, %v", pan, key, err)
	}
	for _, bad := range []string{"1234567", "12345678901234567890", "476173900101001X", ""} {
		if _, err := PINRequest(bad, TDES); !errors.Is(err, ErrBody) || strings.Contains(err.Error(), bad) && bad != "" {
			t.Errorf("PINRequest(%q) error %v, want ErrBody without the PAN", bad, err)
		}
	}
	notDUKPT := Frame{Framing: Text, Body: []byte("Z60.4761739001010010\x1c0123456789ABCDEF")}
	if _, _, err := ParsePINRequest(notDUKPT); !errors.Is(err, ErrPacket) {
		t.Errorf("master/session Z60 parses: %v", err)
	}
}

func TestPINResponse(t *testing.T) {
	ksn := dukpt.KSN{0xFF, 0xFF, 0x98, 0x76, 0x54, 0x32, 0x10, 0xE0, 0x00, 0x01}
	block := [8]byte{0x1B, 0x9C, 0x17, 0x45, 0x56, 0x30, 0x9B, 0x12}
	f := PINBlockResponse(ksn, block)
	// Leading Fs of the KSN are suppressed (Mx800 guide table 71).
	if got, want := string(f.Body), "73.000009876543210E000011B9C174556309B12"; got != want {
		t.Errorf("body %q, want %q", got, want)
	}
	r, err := ParsePINResponse(f, TDES)
	if err != nil || !r.Entered || r.Key != TDES || !bytes.Equal(r.KSN, ksn[:]) || !bytes.Equal(r.Block, block[:]) {
		t.Errorf("parse = %+v, %v", r, err)
	}

	allF := dukpt.KSN{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}
	if r, err := ParsePINResponse(PINBlockResponse(allF, block), TDES); err != nil || !bytes.Equal(r.KSN, allF[:]) {
		t.Errorf("all-F KSN round trip = %+v, %v", r, err)
	}
	if r, err := ParsePINResponse(NoPINResponse(TDES), TDES); err != nil || r.Entered || r.KSN != nil {
		t.Errorf("no-PIN response = %+v, %v", r, err)
	}

	refusal, err := PINErrorResponse(EntryExhausted)
	if err != nil {
		t.Fatal(err)
	}
	var entry *EntryError
	if _, err := ParsePINResponse(refusal, TDES); !errors.As(err, &entry) || entry.Code != EntryExhausted {
		t.Errorf("error response parses as %v", err)
	}
	if _, err := PINErrorResponse('9'); !errors.Is(err, ErrBody) {
		t.Errorf("unknown code accepted: %v", err)
	}
}

func TestParsePINResponseRejects(t *testing.T) {
	for _, body := range []string{
		"73",  // nothing after the type
		"739", // unknown error code
		"73.00001FFFF9876543210E00001" + "1B9C174556309B12", // wrong fixed field
		"73.00000123",                                              // shorter than a PIN block
		"73.00000123456789" + "1B9C174556309B12",                   // KSN of 9 characters
		"73.00000" + "9876543210E0000" + "1B9C174556309B1G",        // block not hex
		"73.00000" + "98765432G0E00001" + "1B9C174556309B12",       // KSN not hex
		"73.00000" + "FFFFFF9876543210E00001" + "1B9C174556309B12", // KSN of 22
		"71.000001B9C174556309B12",                                 // another packet
	} {
		_, err := ParsePINResponse(Frame{Framing: Text, Body: []byte(body)}, TDES)
		if !errors.Is(err, ErrPacket) || !errors.Is(err, devices.ErrProtocol) {
			t.Errorf("ParsePINResponse(%q) error %v, want ErrPacket (ErrProtocol)", body, err)
		}
	}
	if _, err := ParsePINResponse(Frame{Framing: Management, Body: []byte("73.00000")}, TDES); !errors.Is(err, ErrPacket) {
		t.Errorf("73 in an SI frame: %v", err)
	}
}

func TestEngineCheck(t *testing.T) {
	f, err := EngineCheckResponse('1')
	if err != nil {
		t.Fatal(err)
	}
	if engine, err := ParseEngineCheckResponse(f); err != nil || engine != 1 {
		t.Errorf("parse = %d, %v", engine, err)
	}
	if _, err := EngineCheckResponse('3'); !errors.Is(err, ErrBody) {
		t.Errorf("engine '3' accepted: %v", err)
	}
	for _, body := range []string{"25", "2512", "253", "26"} {
		if _, err := ParseEngineCheckResponse(Frame{Framing: Management, Body: []byte(body)}); !errors.Is(err, ErrPacket) {
			t.Errorf("ParseEngineCheckResponse(%q) error %v", body, err)
		}
	}
}
