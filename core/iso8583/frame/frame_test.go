package frame

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"tilldesk/core/iso8583"
	"tilldesk/core/iso8583/internal/isotest"
)

// The published UnionPay captures (see isotest) read as one frame each, with the
// TPDU and header the sources show, a message the UnionPay codec accepts, and write
// back to the identical bytes.
func TestReadPublishedUnionPayFrames(t *testing.T) {
	tests := []struct {
		name, frame          string
		destination, source  uint16
		header               string
		status, processing   byte
		category, subVersion string
		messageLength        int
	}{
		{"codetd chip sale", isotest.SaleFrame, 0x0006, 0x0000, "603100311003", 0, 0, "60", "311003", 0x01AA - 11},
		{"cnblogs QR sale", isotest.QRSaleFrame, 0x0003, 0x0000, "603210320072", 1, 0, "60", "320072", 0x7F - 11},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := isotest.Hex(t, tt.frame)
			fr, err := NewReader(bytes.NewReader(data), UnionPayFormat).ReadFrame()
			if err != nil {
				t.Fatal(err)
			}
			if fr.TPDU.Destination() != tt.destination || fr.TPDU.Source() != tt.source || fr.TPDU[0] != TPDUID {
				t.Errorf("TPDU %s", fr.TPDU)
			}
			h := fr.Header
			if h.String() != tt.header || h.Category() != tt.category || h.TerminalStatus() != tt.status ||
				h.ProcessingRequirement() != tt.processing || h.SubVersion() != tt.subVersion {
				t.Errorf("header %s: category %s status %d processing %d sub-version %s", h, h.Category(), h.TerminalStatus(), h.ProcessingRequirement(), h.SubVersion())
			}
			if len(fr.Message) != tt.messageLength {
				t.Errorf("message of %d bytes, want %d", len(fr.Message), tt.messageLength)
			}
			if _, err := iso8583.UnionPay.Unpack(fr.Message); err != nil {
				t.Errorf("message does not unpack: %v", err)
			}
			var out bytes.Buffer
			if err := NewWriter(&out, UnionPayFormat).WriteFrame(fr); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out.Bytes(), data) {
				t.Errorf("written frame differs:\n got %X\nwant %X", out.Bytes(), data)
			}
		})
	}
}

// Frames back to back, delivered a byte at a time, then a clean io.EOF.
func TestReadFramesFromAByteAtATimeStream(t *testing.T) {
	stream := append(isotest.Hex(t, isotest.SaleFrame), isotest.Hex(t, isotest.QRSaleFrame)...)
	r := NewReader(iotest.OneByteReader(bytes.NewReader(stream)), UnionPayFormat)
	for i := range 2 {
		if _, err := r.ReadFrame(); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
	if _, err := r.ReadFrame(); err != io.EOF {
		t.Fatalf("after the last frame: %v, want io.EOF", err)
	}
}

func TestReadFrameErrors(t *testing.T) {
	tests := []struct {
		name   string
		format Format
		data   string
		want   error
	}{
		{"length over the default max", UnionPayFormat, "FFFF", ErrTooLarge},
		{"length over a set max", Format{MaxLength: 4}, "0005 0102030405", ErrTooLarge},
		{"too short for TPDU and header", UnionPayFormat, "000B 6000060000 603100311003", ErrTooShort},
		{"empty body", Format{}, "0000", ErrTooShort},
		{"TPDU ID not 60", UnionPayFormat, "000C 6100060000 603100311003 02", ErrTPDU},
		{"body cut short", UnionPayFormat, "0010 600006", io.ErrUnexpectedEOF},
		{"length cut short", UnionPayFormat, "00", io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewReader(bytes.NewReader(isotest.Hex(t, tt.data)), tt.format).ReadFrame()
			if !errors.Is(err, tt.want) {
				t.Fatalf("ReadFrame = %v, want %v", err, tt.want)
			}
		})
	}
}

// A frame with a bad TPDU is consumed whole: the next frame reads normally.
func TestReadFrameStaysInStepAfterABadTPDU(t *testing.T) {
	stream := append(isotest.Hex(t, "000C 6100060000 603100311003 02"), isotest.Hex(t, isotest.QRSaleFrame)...)
	r := NewReader(bytes.NewReader(stream), UnionPayFormat)
	if _, err := r.ReadFrame(); !errors.Is(err, ErrTPDU) {
		t.Fatalf("first frame: %v, want ErrTPDU", err)
	}
	if fr, err := r.ReadFrame(); err != nil || fr.TPDU.Destination() != 3 {
		t.Fatalf("second frame: %v, %v", fr.TPDU, err)
	}
}

// countingWriter counts Write calls.
type countingWriter struct {
	bytes.Buffer
	calls int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.calls++
	return w.Buffer.Write(p)
}

func TestWriteFrame(t *testing.T) {
	h, err := NewHeader("60", "31", 0, 0, "311003")
	if err != nil {
		t.Fatal(err)
	}
	var w countingWriter
	fr := Frame{TPDU: NewTPDU(6, 0), Header: h, Message: []byte{0x08, 0x00}}
	if err := NewWriter(&w, UnionPayFormat).WriteFrame(fr); err != nil {
		t.Fatal(err)
	}
	if want := isotest.Hex(t, "000D 6000060000 603100311003 0800"); !bytes.Equal(w.Bytes(), want) || w.calls != 1 {
		t.Errorf("wrote %X in %d calls, want %X in one", w.Bytes(), w.calls, want)
	}
	if err := NewWriter(&w, Format{}).WriteFrame(Frame{}); !errors.Is(err, ErrTooShort) {
		t.Errorf("empty message: %v", err)
	}
	big := Frame{Message: make([]byte, DefaultMaxLength+1)}
	if err := NewWriter(&w, Format{}).WriteFrame(big); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized message: %v", err)
	}
	if err := NewWriter(&w, Format{MaxLength: 1 << 20}).WriteFrame(Frame{Message: make([]byte, MaxLength+1)}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("message over 65535 bytes: %v", err)
	}
}

func TestTPDUReplySwapsAddresses(t *testing.T) {
	req := NewTPDU(0x0006, 0x0123)
	if rep := req.Reply(); rep.Destination() != 0x0123 || rep.Source() != 0x0006 || rep[0] != TPDUID {
		t.Errorf("Reply of %s = %s", req, rep)
	}
}

func TestNewHeaderRejectsBadFields(t *testing.T) {
	for _, bad := range []struct {
		category, version, sub string
		status, processing     byte
	}{
		{"6", "31", "311003", 0, 0},
		{"60", "3A", "311003", 0, 0},
		{"60", "31", "31100", 0, 0},
		{"60", "31", "311003", 10, 0},
		{"60", "31", "311003", 0, 10},
	} {
		if _, err := NewHeader(bad.category, bad.version, bad.status, bad.processing, bad.sub); err == nil {
			t.Errorf("NewHeader(%+v) accepted", bad)
		}
	}
}
