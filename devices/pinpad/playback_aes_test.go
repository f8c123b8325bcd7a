package pinpad

// Exact-byte tests of AES DUKPT mode: the extended Z60 and packet 73 of
// devices/pinpad/ipp (aes.go), with LRCs worked out by hand.

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"tilldesk/devices"
	"tilldesk/devices/pinpad/ipp"
)

var (
	z60AES      = []byte("\x02Z60.4761739001010010\x1cAES DUKPT ENCRYPTION\x03\x63")
	aesBlock73  = []byte("\x0273.00000123456789012345600000001A912150391AB65A67E52883D81CE2D15\x03\x62")
	aesNoPIN73  = []byte("\x0273.00000" + strings.Repeat("0", 32) + "\x03\x19")
	notDUKPT73  = []byte("\x02735\x03\x32")
	aesPadCfg   = Config{Key: ipp.AES}
	aesWantKSN  = []byte{0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x56, 0x00, 0x00, 0x00, 0x01}
	aesWantPINB = []byte{0xA9, 0x12, 0x15, 0x03, 0x91, 0xAB, 0x65, 0xA6, 0x7E, 0x52, 0x88, 0x3D, 0x81, 0xCE, 0x2D, 0x15}
)

func TestPlaybackRequestAESPIN(t *testing.T) {
	p := newPlayback(t,
		step{showPrompt, ack},
		step{z60AES, cat(ack, aesBlock73)},
		step{ack, nil},
	)
	pin, err := playbackPad(p, aesPadCfg).RequestPIN(context.Background(), testPAN, 12_34)
	if err != nil {
		t.Fatal(err)
	}
	want := EncryptedPIN{Key: ipp.AES, KSN: aesWantKSN, Block: aesWantPINB}
	if !reflect.DeepEqual(pin, want) || pin.Format() != 4 {
		t.Errorf("RequestPIN = %v (format %d), want %v", pin, pin.Format(), want)
	}
	if s := fmt.Sprint(pin); strings.Contains(s, "A912150391") || !strings.Contains(s, "AES DUKPT") {
		t.Errorf("EncryptedPIN prints %q", s)
	}
}

// TestPlaybackAESAnswers: what an AES request can get back besides a block.
func TestPlaybackAESAnswers(t *testing.T) {
	tests := []struct {
		name   string
		answer []byte
		want   error
	}{
		{"no PIN", aesNoPIN73, ErrNoPIN},
		{"a TDES pad refuses the AES request", notDUKPT73, ErrRefused},
		{"a TDES block where an AES one is due", pinBlock73, devices.ErrProtocol},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			steps := []step{{showPrompt, ack}, {z60AES, cat(ack, tt.answer)}, {ack, nil}}
			if errors.Is(tt.want, devices.ErrProtocol) {
				steps = append(steps, step{cancel72, eot}) // the till stops the pad after a bad answer
			}
			p := newPlayback(t, steps...)
			_, err := playbackPad(p, aesPadCfg).RequestPIN(context.Background(), testPAN, 12_34)
			if !errors.Is(err, tt.want) {
				t.Errorf("RequestPIN error %v, want %v", err, tt.want)
			}
		})
	}
}

func TestRequestPINRefusesUnknownScheme(t *testing.T) {
	p := newPlayback(t)
	_, err := playbackPad(p, Config{Key: ipp.KeyScheme(5)}).RequestPIN(context.Background(), testPAN, 1)
	if !errors.Is(err, devices.ErrBadConfig) {
		t.Errorf("error %v, want ErrBadConfig", err)
	}
}
