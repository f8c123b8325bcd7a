package ipp

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"tilldesk/core/dukpt"
	"tilldesk/devices"
	"tilldesk/devices/seriallink"
)

// aesTestKSN is the first KSN of the ANSI X9.24-3:2017 sample initial key ID
// 1234567890123456.
var aesTestKSN = dukpt.NewAESKSN([8]byte{0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x56}, 1)

// aesTestBlock is a format 4 block of the X9.24-3 supplement (PIN 1234, PAN
// 4111111111111111, counter 1), here only as 16 opaque bytes.
var aesTestBlock = [16]byte{0xA9, 0x12, 0x15, 0x03, 0x91, 0xAB, 0x65, 0xA6, 0x7E, 0x52, 0x88, 0x3D, 0x81, 0xCE, 0x2D, 0x15}

func TestAESPINRequest(t *testing.T) {
	tests := []struct {
		name string
		key  KeyScheme
		body string
	}{
		{"vendor TDES field", TDES, "Z60.4761739001010010\x1cDUKPT ENCRYPTION"},
		{"AES extension field", AES, "Z60.4761739001010010\x1cAES DUKPT ENCRYPTION"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := PINRequest("4761739001010010", tt.key)
			if err != nil {
				t.Fatal(err)
			}
			if string(f.Body) != tt.body || f.Framing != Text {
				t.Errorf("frame %v body %q, want %q", f.Framing, f.Body, tt.body)
			}
			pan, key, err := ParsePINRequest(f)
			if err != nil || pan != "4761739001010010" || key != tt.key {
				t.Errorf("parse = %q, %v, %v", pan, key, err)
			}
		})
	}
	if _, err := PINRequest("4761739001010010", KeyScheme(7)); !errors.Is(err, ErrBody) {
		t.Errorf("unknown scheme accepted: %v", err)
	}
	for _, field := range []string{"AES DUKPT", "aes dukpt encryption", "AES DUKPT ENCRYPTION ", ""} {
		f := Frame{Framing: Text, Body: []byte("Z60.4761739001010010\x1c" + field)}
		if _, _, err := ParsePINRequest(f); !errors.Is(err, ErrPacket) {
			t.Errorf("Z60 with key field %q parses: %v", field, err)
		}
	}
}

// TestAESPINResponseFrames checks the extended packet 73 byte for byte: the KSN in 24
// hex characters with its Fs kept, the block in 32.
func TestAESPINResponseFrames(t *testing.T) {
	allF := dukpt.AESKSN{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x01}
	tests := []struct {
		name  string
		frame Frame
		wire  string // the frame's bytes after STX, before ETX
	}{
		{"first transaction", AESPINBlockResponse(aesTestKSN, aesTestBlock),
			"73.00000" + "123456789012345600000001" + "A912150391AB65A67E52883D81CE2D15"},
		{"leading Fs kept", AESPINBlockResponse(allF, aesTestBlock),
			"73.00000" + "FFFFFFFFFFFFFFFF00000001" + "A912150391AB65A67E52883D81CE2D15"},
		{"no PIN", NoPINResponse(AES), "73.00000" + strings.Repeat("0", 32)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := Encode(tt.frame)
			if err != nil {
				t.Fatal(err)
			}
			want := append(append([]byte{STX}, tt.wire...), ETX, LRC([]byte(tt.wire), ETX))
			if !bytes.Equal(raw, want) {
				t.Errorf("wire % X\nwant % X", raw, want)
			}
			var d Decoder
			var got []Event
			for _, b := range raw {
				if ev, ok := d.Feed(b); ok {
					got = append(got, ev)
				}
			}
			if len(got) != 1 || got[0].Kind != seriallink.Received || !bytes.Equal(got[0].Frame.Body, []byte(tt.wire)) {
				t.Errorf("decoded %v", got)
			}
		})
	}
}

func TestParseAESPINResponse(t *testing.T) {
	ksnHex, blockHex := "123456789012345600000001", "A912150391AB65A67E52883D81CE2D15"
	tests := []struct {
		name    string
		body    string
		key     KeyScheme
		entered bool
		ksn     string
		err     error
	}{
		{"AES PIN", "73.00000" + ksnHex + blockHex, AES, true, ksnHex, nil},
		{"lower-case hex", "73.00000" + strings.ToLower(ksnHex+blockHex), AES, true, ksnHex, nil},
		{"AES no PIN", "73.00000" + strings.Repeat("0", 32), AES, false, "", nil},
		{"entry error", "735", AES, false, "", &EntryError{}},
		{"KSN of 22 characters", "73.00000" + ksnHex[2:] + blockHex, AES, false, "", ErrPacket},
		{"KSN of 26 characters", "73.00000FF" + ksnHex + blockHex, AES, false, "", ErrPacket},
		{"KSN not hex", "73.00000" + "12345678901234560000000G" + blockHex, AES, false, "", ErrPacket},
		{"block not hex", "73.00000" + ksnHex + blockHex[:31] + "X", AES, false, "", ErrPacket},
		{"TDES block to an AES request", "73.000009876543210E000011B9C174556309B12", AES, false, "", ErrPacket},
		{"shorter than an AES block", "73.00000" + blockHex[:30], AES, false, "", ErrPacket},
		{"AES block to a TDES request", "73.00000" + ksnHex + blockHex, TDES, false, "", ErrPacket},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParsePINResponse(Frame{Framing: Text, Body: []byte(tt.body)}, tt.key)
			var entry *EntryError
			switch {
			case tt.err == nil && err != nil:
				t.Fatalf("error %v", err)
			case errors.As(tt.err, &entry):
				if !errors.As(err, &entry) || entry.Code != EntryNotDUKPT {
					t.Fatalf("error %v, want entry error 5", err)
				}
				return
			case tt.err != nil:
				if !errors.Is(err, tt.err) || !errors.Is(err, devices.ErrProtocol) {
					t.Fatalf("error %v, want %v (ErrProtocol)", err, tt.err)
				}
				return
			}
			if r.Entered != tt.entered || r.Key != tt.key || strings.ToUpper(hex.EncodeToString(r.KSN)) != tt.ksn {
				t.Errorf("parse = entered %v, %v, KSN %X", r.Entered, r.Key, r.KSN)
			}
			if tt.entered && !bytes.Equal(r.Block, aesTestBlock[:]) {
				t.Errorf("block %X", r.Block)
			}
		})
	}
}

func TestKeyScheme(t *testing.T) {
	for _, tt := range []struct {
		key                KeyScheme
		name               string
		format, block, ksn int
		valid              bool
	}{
		{TDES, "TDES DUKPT", 0, 8, 10, true},
		{AES, "AES DUKPT", 4, 16, 12, true},
		{KeyScheme(2), "KeyScheme(2)", 0, 8, 10, false},
	} {
		if tt.key.String() != tt.name || int(tt.key.Format()) != tt.format || tt.key.BlockSize() != tt.block ||
			tt.key.KSNSize() != tt.ksn || tt.key.Valid() != tt.valid {
			t.Errorf("%d: %v format %d block %d KSN %d valid %v", int(tt.key), tt.key, tt.key.Format(),
				tt.key.BlockSize(), tt.key.KSNSize(), tt.key.Valid())
		}
	}
}
