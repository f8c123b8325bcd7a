package ipp

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"tilldesk/core/dukpt"
	"tilldesk/devices/seriallink"
)

func TestLRC(t *testing.T) {
	tests := []struct {
		name string
		body string
		end  byte
		want byte
	}{
		// '7' (0x37) ^ '2' (0x32) ^ ETX (0x03) = 0x06.
		{"cancel 72", "72", ETX, 0x06},
		// '2' (0x32) ^ '5' (0x35) ^ SO (0x0E) = 0x09.
		{"engine check 25", "25", SO, 0x09},
		// The start delimiter is not included, the end delimiter is.
		{"single byte", "A", ETX, 'A' ^ ETX},
		{"empty body is the end byte", "", SO, SO},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LRC([]byte(tt.body), tt.end); got != tt.want {
				t.Errorf("LRC(%q, %#02x) = %#02x, want %#02x", tt.body, tt.end, got, tt.want)
			}
		})
	}
}

func TestEncode(t *testing.T) {
	tests := []struct {
		name  string
		frame Frame
		want  []byte
		err   bool
	}{
		{"cancel", CancelRequest(), []byte{STX, '7', '2', ETX, 0x06}, false},
		{"engine check", EngineCheckRequest(), []byte{SI, '2', '5', SO, 0x09}, false},
		{"empty body", Frame{Framing: Text}, nil, true},
		{"unknown framing", Frame{Framing: 'x', Body: []byte("72")}, nil, true},
		{"ETX in body", Frame{Framing: Text, Body: []byte{'Z', '2', ETX}}, nil, true},
		{"SI in body", Frame{Framing: Management, Body: []byte{'0', SI}}, nil, true},
		{"overlong", Frame{Framing: Text, Body: bytes.Repeat([]byte("A"), MaxBody+1)}, nil, true},
		{"longest", Frame{Framing: Text, Body: bytes.Repeat([]byte("A"), MaxBody)}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Encode(tt.frame)
			if tt.err {
				if !errors.Is(err, ErrBody) {
					t.Fatalf("Encode = %q, %v; want ErrBody", got, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.want != nil && !bytes.Equal(got, tt.want) {
				t.Errorf("Encode = % x, want % x", got, tt.want)
			}
		})
	}
}

// decodeAll feeds data to a fresh Decoder and returns every event.
func decodeAll(data []byte) []Event {
	var d Decoder
	var events []Event
	for _, b := range data {
		if ev, ok := d.Feed(b); ok {
			events = append(events, ev)
		}
	}
	return events
}

func encoded(t *testing.T, f Frame) []byte {
	t.Helper()
	b, err := Encode(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecoder(t *testing.T) {
	display, _ := DisplayRequest("TOTAL CNY 12.34")
	good := encoded(t, display)
	badLRC := append(bytes.Clone(good[:len(good)-1]), good[len(good)-1]^0x40)
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	type want struct {
		kind seriallink.Kind
		b    byte
		err  error
		body string
	}
	tests := []struct {
		name string
		in   []byte
		want []want
	}{
		{"controls", []byte{ACK, NAK, EOT}, []want{{kind: seriallink.Control, b: ACK}, {kind: seriallink.Control, b: NAK}, {kind: seriallink.Control, b: EOT}}},
		{"frame", good, []want{{kind: seriallink.Received, body: string(display.Body)}}},
		{"ACK then frame then EOT", cat([]byte{ACK}, good, []byte{EOT}), []want{{kind: seriallink.Control, b: ACK}, {kind: seriallink.Received, body: string(display.Body)}, {kind: seriallink.Control, b: EOT}}},
		{"bad LRC", badLRC, []want{{kind: seriallink.Corrupt, err: ErrLRC}}},
		{"bad LRC then good retransmission", cat(badLRC, good), []want{{kind: seriallink.Corrupt, err: ErrLRC}, {kind: seriallink.Received, body: string(display.Body)}}},
		{"noise", []byte("Hi"), []want{{kind: seriallink.Noise, b: 'H'}, {kind: seriallink.Noise, b: 'i'}}},
		{"cut short by a new frame", cat(good[:5], good), []want{{kind: seriallink.Corrupt, err: ErrTruncated}, {kind: seriallink.Received, body: string(display.Body)}}},
		{"text frame closed by SO", []byte{STX, '7', '2', SO, '7' ^ '2' ^ SO}, []want{{kind: seriallink.Corrupt, err: ErrEnd}}},
		{"empty frame", []byte{SI, SO, SO}, []want{{kind: seriallink.Corrupt, err: ErrTruncated}}},
		{"control bytes inside a body are data", []byte{STX, '7', ACK, ETX, '7' ^ ACK ^ ETX}, []want{{kind: seriallink.Received, body: "7\x06"}}},
		{"LRC byte equal to STX", []byte{STX, 0x01, ETX, 0x01 ^ ETX, ACK}, []want{{kind: seriallink.Received, body: "\x01"}, {kind: seriallink.Control, b: ACK}}},
		{"overlong", cat([]byte{STX}, bytes.Repeat([]byte("A"), MaxBody+10), []byte{ETX, 0}, []byte{EOT}), []want{{kind: seriallink.Corrupt, err: ErrOverlong}, {kind: seriallink.Control, b: EOT}}},
		{"overlong cut short", cat([]byte{STX}, bytes.Repeat([]byte("A"), MaxBody+1), good), []want{{kind: seriallink.Corrupt, err: ErrOverlong}, {kind: seriallink.Received, body: string(display.Body)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decodeAll(tt.in)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d events %v, want %d", len(got), got, len(tt.want))
			}
			for i, w := range tt.want {
				ev := got[i]
				switch {
				case ev.Kind != w.kind:
					t.Errorf("event %d is %v, want %v", i, ev, w.kind)
				case w.kind == seriallink.Control || w.kind == seriallink.Noise:
					if ev.Byte != w.b {
						t.Errorf("event %d byte %#02x, want %#02x", i, ev.Byte, w.b)
					}
				case w.kind == seriallink.Corrupt:
					if !errors.Is(ev.Err, w.err) {
						t.Errorf("event %d error %v, want %v", i, ev.Err, w.err)
					}
				case w.kind == seriallink.Received:
					if string(ev.Frame.Body) != w.body {
						t.Errorf("event %d body %q, want %q", i, ev.Frame.Body, w.body)
					}
				}
			}
		})
	}
}

func TestDecoderResetDropsPartialFrame(t *testing.T) {
	var d Decoder
	for _, b := range []byte{STX, '7', '3'} {
		d.Feed(b)
	}
	if !d.Pending() {
		t.Fatal("no frame pending after STX")
	}
	d.Reset()
	if d.Pending() {
		t.Fatal("frame still pending after Reset")
	}
	if ev, ok := d.Feed(ACK); !ok || ev.Kind != seriallink.Control {
		t.Fatalf("after Reset, ACK gives %v, %v", ev, ok)
	}
}

func TestStringsHideSecrets(t *testing.T) {
	req, err := PINRequest("4761739001010010", TDES)
	if err != nil {
		t.Fatal(err)
	}
	events := decodeAll(encoded(t, req))
	if len(events) != 1 {
		t.Fatalf("events %v", events)
	}
	for _, s := range []string{events[0].String(), req.String(), PINBlockResponse(dukpt.KSN{}, [8]byte{0xAB, 0xCD}).String()} {
		if strings.Contains(s, "4761") || strings.Contains(s, "ABCD") || !strings.Contains(s, "packet") {
			t.Errorf("%q shows the PAN or the PIN block, or hides the packet type", s)
		}
	}
}
