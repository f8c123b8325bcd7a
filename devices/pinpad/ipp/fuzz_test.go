package ipp

import (
	"bytes"
	"errors"
	"testing"

	"tilldesk/devices"
)

// FuzzDecoder feeds the Decoder arbitrary bytes. It must not panic; every byte must
// be accounted for (each event ends on the byte that completes it, and a stream
// that ends between frames leaves nothing pending); every frame it accepts must
// re-encode to exactly the bytes it came from; and every corrupt frame must say why.
// The seed corpus is in testdata/fuzz/FuzzDecoder.
func FuzzDecoder(f *testing.F) {
	display, _ := DisplayRequest("AMOUNT CNY 12.34ENTER PIN")
	request, _ := PINRequest("4761739001010010")
	for _, frame := range []Frame{display, request, CancelRequest(), EngineCheckRequest(), NoPINResponse()} {
		b, _ := Encode(frame)
		f.Add(b)
	}
	f.Add([]byte{ACK, NAK, EOT, 'x', STX, '7', SO, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		var d Decoder
		start := 0 // where the bytes of the current event began
		for i, b := range data {
			ev, ok := d.Feed(b)
			if !ok && !d.Pending() {
				t.Fatalf("byte %d (%#02x) consumed without event or pending frame", i, b)
			}
			if !ok {
				continue
			}
			raw := data[start : i+1]
			switch ev.Kind {
			case Control, Noise:
				if len(raw) != 1 || raw[0] != ev.Byte {
					t.Fatalf("%v from % x", ev, raw)
				}
			case Received:
				again, err := Encode(ev.Frame)
				if err != nil || !bytes.Equal(again, raw) {
					t.Fatalf("frame %v from % x re-encodes as % x, %v", ev.Frame, raw, again, err)
				}
			case Corrupt:
				if ev.Err == nil {
					t.Fatalf("corrupt frame from % x without a reason", raw)
				}
			default:
				t.Fatalf("unknown event %v", ev)
			}
			start = i + 1
			if ev.Kind == Corrupt && errors.Is(ev.Err, ErrTruncated) && d.Pending() {
				start = i // the start delimiter that cut the frame begins the next one
			}
		}
		checkParsers(t, data)
	})
}

// checkParsers runs every packet parser on data taken as a frame body: none may
// panic, and every error must be ErrPacket (and so devices.ErrProtocol) or a pad's
// *EntryError.
func checkParsers(t *testing.T, data []byte) {
	for _, framing := range []Framing{Text, Management} {
		frame := Frame{Framing: framing, Body: data}
		_ = PacketType(frame)
		var errs []error
		_, _, err := ParseDisplayRequest(frame)
		errs = append(errs, err)
		_, err = ParsePINRequest(frame)
		errs = append(errs, err)
		r, err := ParsePINResponse(frame)
		errs = append(errs, err)
		if err == nil && r.Entered {
			again, err := ParsePINResponse(PINBlockResponse(r.KSN, r.Block))
			if err != nil || again != r {
				t.Fatalf("PIN response %+v does not survive a round trip: %+v, %v", r, again, err)
			}
		}
		_, err = ParseEngineCheckResponse(frame)
		errs = append(errs, err)
		for _, err := range errs {
			var entry *EntryError
			if err != nil && !errors.Is(err, devices.ErrProtocol) && !errors.As(err, &entry) {
				t.Fatalf("parse error %v is not ErrProtocol", err)
			}
		}
	}
}
