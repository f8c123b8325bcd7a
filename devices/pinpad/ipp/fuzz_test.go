package ipp

import (
	"bytes"
	"errors"
	"testing"

	"tilldesk/core/dukpt"
	"tilldesk/devices"
	"tilldesk/devices/seriallink"
)

// FuzzDecoder feeds the Decoder arbitrary bytes. It must not panic; every byte must
// be accounted for (each event ends on the byte that completes it, and a stream
// that ends between frames leaves nothing pending); every frame it accepts must
// re-encode to exactly the bytes it came from; and every corrupt frame must say why.
// The seed corpus is in testdata/fuzz/FuzzDecoder.
func FuzzDecoder(f *testing.F) {
	display, _ := DisplayRequest("AMOUNT CNY 12.34ENTER PIN")
	request, _ := PINRequest("4761739001010010", TDES)
	aesRequest, _ := PINRequest("4761739001010010", AES)
	for _, frame := range []Frame{display, request, aesRequest, CancelRequest(), EngineCheckRequest(), NoPINResponse(TDES),
		NoPINResponse(AES), AESPINBlockResponse(dukpt.NewAESKSN([8]byte{0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x56}, 1), [16]byte{0xA9})} {
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
			case seriallink.Control, seriallink.Noise:
				if len(raw) != 1 || raw[0] != ev.Byte {
					t.Fatalf("%v from % x", ev, raw)
				}
			case seriallink.Received:
				again, err := Encode(ev.Frame)
				if err != nil || !bytes.Equal(again, raw) {
					t.Fatalf("frame %v from % x re-encodes as % x, %v", ev.Frame, raw, again, err)
				}
			case seriallink.Corrupt:
				if ev.Err == nil {
					t.Fatalf("corrupt frame from % x without a reason", raw)
				}
			default:
				t.Fatalf("unknown event %v", ev)
			}
			start = i + 1
			if ev.Kind == seriallink.Corrupt && errors.Is(ev.Err, ErrTruncated) && d.Pending() {
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
		_, _, err = ParsePINRequest(frame)
		errs = append(errs, err)
		for _, key := range []KeyScheme{TDES, AES} {
			errs = append(errs, checkPINResponseRoundTrip(t, frame, key))
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

// FuzzPINResponse feeds ParsePINResponse arbitrary packet 73 bodies for both key
// schemes: it must not panic, must fail with ErrPacket or an *EntryError, and every
// response it accepts must hold a KSN and a block of the scheme's sizes and re-encode
// to a packet that parses the same. The seed corpus is in
// testdata/fuzz/FuzzPINResponse.
func FuzzPINResponse(f *testing.F) {
	ksn := dukpt.KSN{0xFF, 0xFF, 0x98, 0x76, 0x54, 0x32, 0x10, 0xE0, 0x00, 0x01}
	aesKSN := dukpt.NewAESKSN([8]byte{0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x56}, 1)
	for _, frame := range []Frame{PINBlockResponse(ksn, [8]byte{0x1B}), AESPINBlockResponse(aesKSN, [16]byte{0xA9}),
		NoPINResponse(TDES), NoPINResponse(AES)} {
		f.Add(frame.Body)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, key := range []KeyScheme{TDES, AES} {
			err := checkPINResponseRoundTrip(t, Frame{Framing: Text, Body: body}, key)
			var entry *EntryError
			if err != nil && !errors.Is(err, ErrPacket) && !errors.As(err, &entry) {
				t.Fatalf("%v: parse error %v is neither ErrPacket nor an entry error", key, err)
			}
		}
	})
}

// checkPINResponseRoundTrip parses frame as a packet 73 of scheme key; a PIN it
// accepts must have the scheme's sizes and survive re-encoding. It returns the parse
// error.
func checkPINResponseRoundTrip(t *testing.T, frame Frame, key KeyScheme) error {
	t.Helper()
	r, err := ParsePINResponse(frame, key)
	if err != nil || !r.Entered {
		return err
	}
	if r.Key != key || len(r.KSN) != key.KSNSize() || len(r.Block) != key.BlockSize() {
		t.Fatalf("%v response with a %d-byte KSN and a %d-byte block", key, len(r.KSN), len(r.Block))
	}
	var again Frame
	switch key {
	case AES:
		again = AESPINBlockResponse(dukpt.AESKSN(r.KSN), [16]byte(r.Block))
	default:
		again = PINBlockResponse(dukpt.KSN(r.KSN), [8]byte(r.Block))
	}
	back, err := ParsePINResponse(again, key)
	if err != nil || !bytes.Equal(back.KSN, r.KSN) || !bytes.Equal(back.Block, r.Block) || !back.Entered {
		t.Fatalf("%v PIN response %+v does not survive a round trip: %+v, %v", key, r, back, err)
	}
	return nil
}
