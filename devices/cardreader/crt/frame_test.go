package crt

import (
	"bytes"
	"errors"
	"testing"

	"tilldesk/devices"
	"tilldesk/devices/seriallink"
)

// statusCommand is "C" 31H 30H to the default address, as it goes on the line: STX,
// address 0FH, length 0003, text, ETX, and the XOR of all of it.
var statusCommand = []byte{0xF2, 0x0F, 0x00, 0x03, 'C', 0x31, 0x30, 0x03, 0xF2 ^ 0x0F ^ 0x03 ^ 'C' ^ 0x31 ^ 0x30 ^ 0x03}

func TestEncodeCommand(t *testing.T) {
	raw, err := Encode(Command{Address: DefaultAddress, CM: 0x31, PM: 0x30}.Frame())
	if err != nil || !bytes.Equal(raw, statusCommand) {
		t.Fatalf("Encode = % X, %v; want % X", raw, err, statusCommand)
	}
	if BCC(raw) != 0 {
		t.Fatal("a packet with its BCC does not XOR to zero")
	}
	for _, n := range []int{0, MaxText + 1} {
		if _, err := Encode(Frame{Text: make([]byte, n)}); !errors.Is(err, ErrText) {
			t.Errorf("text of %d bytes: %v", n, err)
		}
	}
}

// feed runs bytes through a decoder and returns the events.
func feed(d *Decoder, data []byte) []Event {
	var out []Event
	for _, b := range data {
		if ev, ok := d.Feed(b); ok {
			out = append(out, ev)
		}
	}
	return out
}

func TestDecoder(t *testing.T) {
	positive := Response{Address: DefaultAddress, Positive: true, CM: 0x51, PM: 0x39, Status: Status{'2', '0', '0'},
		Data: []byte{0xF2, 0x03, 0x90, 0x00}}
	good, _ := Encode(positive.Frame())
	badBCC := append(bytes.Clone(good[:len(good)-1]), good[len(good)-1]^1)
	noETX := bytes.Clone(good)
	noETX[len(noETX)-2] = 0x02
	tests := []struct {
		name  string
		in    []byte
		kinds []seriallink.Kind
		err   error
	}{
		{"a response whose data holds STX and ETX", good, []seriallink.Kind{seriallink.Received}, nil},
		{"control bytes", []byte{ACK, NAK, EOT}, []seriallink.Kind{seriallink.Control, seriallink.Control, seriallink.Control}, nil},
		{"noise, then a packet", append([]byte{0x00, 'x'}, good...), []seriallink.Kind{seriallink.Noise, seriallink.Noise, seriallink.Received}, nil},
		{"wrong BCC", badBCC, []seriallink.Kind{seriallink.Corrupt}, ErrBCC},
		{"no ETX at the end of the length: the BCC is noise", noETX, []seriallink.Kind{seriallink.Corrupt, seriallink.Noise}, ErrNoETX},
		{"zero length", []byte{STX, 0x0F, 0x00, 0x00}, []seriallink.Kind{seriallink.Corrupt}, ErrLength},
		{"overlong", []byte{STX, 0x0F, 0xFF, 0xFF, ACK}, []seriallink.Kind{seriallink.Corrupt, seriallink.Control}, ErrLength},
		{"a corrupt packet then a good one", append(badBCC, good...), []seriallink.Kind{seriallink.Corrupt, seriallink.Received}, ErrBCC},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d Decoder
			evs := feed(&d, tt.in)
			if len(evs) != len(tt.kinds) {
				t.Fatalf("events %v, want kinds %v", evs, tt.kinds)
			}
			for i, ev := range evs {
				if ev.Kind != tt.kinds[i] {
					t.Fatalf("event %d is %v, want %v", i, ev, tt.kinds[i])
				}
				if ev.Kind == seriallink.Corrupt && !errors.Is(ev.Err, tt.err) {
					t.Fatalf("corrupt because %v, want %v", ev.Err, tt.err)
				}
				if ev.Kind == seriallink.Received {
					got, err := ParseResponse(ev.Frame)
					if err != nil || !bytes.Equal(got.Data, positive.Data) || got.Status != positive.Status || got.CM != 0x51 {
						t.Fatalf("response %+v, %v", got, err)
					}
				}
			}
			if d.Pending() {
				t.Fatal("a packet is left pending")
			}
		})
	}
}

// A packet the line stops sending halfway is cut, and the next one decodes.
func TestDecoderCut(t *testing.T) {
	var d Decoder
	if evs := feed(&d, statusCommand[:5]); len(evs) != 0 || !d.Pending() {
		t.Fatalf("half a packet gave %v", evs)
	}
	ev, ok := d.Cut()
	if !ok || ev.Kind != seriallink.Corrupt || !errors.Is(ev.Err, ErrTruncated) {
		t.Fatalf("Cut = %v, %v", ev, ok)
	}
	if _, ok := d.Cut(); ok {
		t.Fatal("Cut between packets found a packet")
	}
	evs := feed(&d, statusCommand)
	if len(evs) != 1 || evs[0].Kind != seriallink.Received {
		t.Fatalf("after the cut: %v", evs)
	}
	cmd, err := ParseCommand(evs[0].Frame)
	if err != nil || cmd.CM != 0x31 || cmd.PM != 0x30 || len(cmd.Data) != 0 {
		t.Fatalf("command %+v, %v", cmd, err)
	}
}

func TestParseErrorsAreProtocolErrors(t *testing.T) {
	for _, text := range [][]byte{nil, {'C', 0x31}, {'P', 0x31, 0x30, '0'}, {'N', 0x31, 0x30, '6'}, {'X', 1, 2, 3, 4, 5}} {
		f := Frame{Text: text}
		if _, err := ParseResponse(f); !errors.Is(err, devices.ErrProtocol) {
			t.Errorf("ParseResponse(% X) = %v", text, err)
		}
		if _, err := ParseCommand(f); !errors.Is(err, devices.ErrProtocol) {
			t.Errorf("ParseCommand(% X) = %v", text, err)
		}
	}
	neg, err := ParseResponse(Frame{Text: []byte{'N', 0x51, 0x39, '6', '0'}})
	if err != nil || neg.Positive || neg.Error != CodePowerFailure || neg.Error.String() != "60" {
		t.Fatalf("negative response %+v, %v", neg, err)
	}
}

// The ATR of a tapped card is PC/SC's: 3B 8n 80 01, the ATS's historical bytes, TCK.
func TestActivationATR(t *testing.T) {
	act := Activation{ATQA: [2]byte{0x00, 0x04}, UID: []byte{0x08, 1, 2, 3}, SAK: 0x20,
		ATS: []byte{0x0A, 0x78, 0x80, 0x70, 0x02, 'T', 'I', 'L', 'L', 0x01}}
	got, err := ParseActivation(act.Bytes())
	if err != nil || !bytes.Equal(got.UID, act.UID) || !bytes.Equal(got.ATS, act.ATS) || got.SAK != 0x20 {
		t.Fatalf("ParseActivation = %+v, %v", got, err)
	}
	want := []byte{0x3B, 0x85, 0x80, 0x01, 'T', 'I', 'L', 'L', 0x01}
	var tck byte
	for _, b := range want[1:] {
		tck ^= b
	}
	if atr := got.ATR(); !bytes.Equal(atr, append(want, tck)) {
		t.Fatalf("ATR % X", atr)
	}
	for _, bad := range [][]byte{nil, {'B', 0, 4, 4}, {'A', 0, 4, 5, 1, 2, 3, 4, 5, 0x20, 0x02, 0x08}, {'A', 0, 4, 4, 1, 2, 3, 4, 0x20, 0x09, 0x08}} {
		if _, err := ParseActivation(bad); !errors.Is(err, devices.ErrProtocol) {
			t.Errorf("ParseActivation(% X) = %v", bad, err)
		}
	}
}
