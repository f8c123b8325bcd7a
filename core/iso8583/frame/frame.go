// Package frame carries ISO 8583 messages over a byte stream the way China UnionPay
// terminals do: a 2-byte big-endian length, then an optional 5-byte TPDU and an
// optional 6-byte application header, then the message.
//
// The package does no network I/O: Reader and Writer wrap any io.Reader and
// io.Writer (a TCP connection in the acquirer client).
package frame

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Layout sizes.
const (
	// LengthSize is the length prefix: 2 bytes, big-endian, counting the bytes after it.
	LengthSize = 2
	// TPDUSize is the transport protocol data unit.
	TPDUSize = 5
	// HeaderSize is the UnionPay application header.
	HeaderSize = 6
	// MaxLength is the largest length a 2-byte prefix can state.
	MaxLength = 0xFFFF
	// DefaultMaxLength is the frame length a Format without MaxLength accepts: far
	// above any terminal message, far below what would strain memory.
	DefaultMaxLength = 8192
)

// Sentinel errors, wrapped with details; test with errors.Is.
var (
	// ErrTooLarge: a frame is longer than the format allows.
	ErrTooLarge = errors.New("frame too large")
	// ErrTooShort: a frame is too short to hold its headers and a message.
	ErrTooShort = errors.New("frame too short")
	// ErrTPDU: the TPDU does not start with the TPDU ID 0x60.
	ErrTPDU = errors.New("bad TPDU")
)

// Format says which headers a frame carries and how long it may be.
type Format struct {
	// TPDU: a 5-byte TPDU follows the length.
	TPDU bool
	// Header: a 6-byte application header follows (the TPDU, if any).
	Header bool
	// MaxLength caps the length prefix; 0 means DefaultMaxLength, and no value above
	// MaxLength (65535) is possible on the wire.
	MaxLength int
}

// UnionPayFormat is the UnionPay terminal framing: length, TPDU, header, message.
var UnionPayFormat = Format{TPDU: true, Header: true}

// Frame is one message with the headers that travel with it. Fields the format does
// not carry are left zero.
type Frame struct {
	TPDU    TPDU
	Header  Header
	Message []byte
}

// maxLength is the effective length limit.
func (f Format) maxLength() int {
	if f.MaxLength <= 0 || f.MaxLength > MaxLength {
		return min(DefaultMaxLength, MaxLength)
	}
	return f.MaxLength
}

// overhead is the bytes of headers inside the length-counted body.
func (f Format) overhead() int {
	n := 0
	if f.TPDU {
		n += TPDUSize
	}
	if f.Header {
		n += HeaderSize
	}
	return n
}

// Encode returns the whole frame, length prefix included.
func (f Format) Encode(fr Frame) ([]byte, error) {
	if len(fr.Message) == 0 {
		return nil, fmt.Errorf("frame: %w: empty message", ErrTooShort)
	}
	length := f.overhead() + len(fr.Message)
	if length > f.maxLength() {
		return nil, fmt.Errorf("frame: %w: length %d exceeds max %d", ErrTooLarge, length, f.maxLength())
	}
	out := make([]byte, LengthSize, LengthSize+length)
	binary.BigEndian.PutUint16(out, uint16(length))
	if f.TPDU {
		out = append(out, fr.TPDU[:]...)
	}
	if f.Header {
		out = append(out, fr.Header[:]...)
	}
	return append(out, fr.Message...), nil
}

// Decode splits a frame body (the bytes the length prefix counts) into headers and
// message. The message is a fresh copy.
func (f Format) Decode(body []byte) (Frame, error) {
	if len(body) > f.maxLength() {
		return Frame{}, fmt.Errorf("frame: %w: length %d exceeds max %d", ErrTooLarge, len(body), f.maxLength())
	}
	if len(body) <= f.overhead() {
		return Frame{}, fmt.Errorf("frame: %w: length %d leaves no message after %d header bytes", ErrTooShort, len(body), f.overhead())
	}
	var fr Frame
	pos := 0
	if f.TPDU {
		copy(fr.TPDU[:], body)
		if err := fr.TPDU.Check(); err != nil {
			return Frame{}, err
		}
		pos += TPDUSize
	}
	if f.Header {
		copy(fr.Header[:], body[pos:])
		pos += HeaderSize
	}
	fr.Message = append([]byte(nil), body[pos:]...)
	return fr, nil
}
