package crt

import (
	"bytes"
	"errors"
	"testing"

	"tilldesk/devices"
	"tilldesk/devices/seriallink"
)

// FuzzDecoder feeds the Decoder arbitrary bytes. It must not panic; every byte must be
// accounted for (each event ends on the byte that completes it, and nothing is lost
// between events); every packet it accepts must re-encode to exactly the bytes it came
// from; every corrupt packet must say why; and the parsers, given any accepted text,
// must not panic, must fail only with ErrProtocol, and must round-trip what they
// accept. The seed corpus in testdata/fuzz/FuzzDecoder holds whole exchanges of a
// contact and a contactless transaction and the faults the simulator makes.
func FuzzDecoder(f *testing.F) {
	for _, c := range []Command{{Address: DefaultAddress, CM: 0x51, PM: 0x39, Data: []byte{0x00, 0xA4, 0x04, 0x00, 0x00}}, {CM: 0x31, PM: 0x30}} {
		raw, _ := Encode(c.Frame())
		f.Add(raw)
	}
	f.Add([]byte{ACK, NAK, EOT, 'x', STX, 0x0F, 0x00, 0x01, 'P', ETX, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		var d Decoder
		start := 0
		for i, b := range data {
			ev, ok := d.Feed(b)
			if !ok && !d.Pending() {
				t.Fatalf("byte %d (%#02x) consumed without an event or a pending packet", i, b)
			}
			if !ok {
				continue
			}
			raw := data[start : i+1]
			start = i + 1
			switch ev.Kind {
			case seriallink.Control, seriallink.Noise:
				if len(raw) != 1 || raw[0] != ev.Byte {
					t.Fatalf("%v from % X", ev, raw)
				}
			case seriallink.Received:
				again, err := Encode(ev.Frame)
				if err != nil || !bytes.Equal(again, raw) {
					t.Fatalf("packet %v from % X re-encodes as % X, %v", ev.Frame, raw, again, err)
				}
				checkParsers(t, ev.Frame)
			case seriallink.Corrupt:
				if ev.Err == nil {
					t.Fatalf("corrupt packet from % X without a reason", raw)
				}
			default:
				t.Fatalf("unknown event %v", ev)
			}
		}
		if ev, ok := d.Cut(); ok && (ev.Kind != seriallink.Corrupt || !errors.Is(ev.Err, ErrTruncated)) {
			t.Fatalf("cut at the end: %v", ev)
		}
		checkParsers(t, Frame{Text: data})
	})
}

// checkParsers runs every parser on a packet.
func checkParsers(t *testing.T, f Frame) {
	protocolOnly := func(what string, err error) {
		if err != nil && !errors.Is(err, devices.ErrProtocol) {
			t.Fatalf("%s: %v is not ErrProtocol", what, err)
		}
	}
	if cmd, err := ParseCommand(f); err == nil {
		if again := cmd.Frame(); !bytes.Equal(again.Text, f.Text) {
			t.Fatalf("command % X re-frames as % X", f.Text, again.Text)
		}
	} else {
		protocolOnly("command", err)
	}
	if resp, err := ParseResponse(f); err == nil {
		if again := resp.Frame(); !bytes.Equal(again.Text, f.Text) {
			t.Fatalf("response % X re-frames as % X", f.Text, again.Text)
		}
		if act, err := ParseActivation(resp.Data); err == nil {
			_ = act.ATR()
		} else {
			protocolOnly("activation", err)
		}
	} else {
		protocolOnly("response", err)
	}
	_ = f.String()
}
