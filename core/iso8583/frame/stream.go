package frame

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Reader reads frames from a stream.
type Reader struct {
	r      io.Reader
	format Format
}

// NewReader reads frames of the given format from r.
func NewReader(r io.Reader, format Format) *Reader {
	return &Reader{r: r, format: format}
}

// ReadFrame reads the next frame. At a clean end of stream (no byte of a new frame)
// it returns io.EOF; a stream ending inside a frame gives an error wrapping
// io.ErrUnexpectedEOF. A frame whose length prefix exceeds the format's maximum is
// not read (ErrTooLarge): the stream is then out of step and should be closed. A
// frame too short for its headers, or with a bad TPDU, is consumed whole, so the
// next frame can still be read.
func (r *Reader) ReadFrame() (Frame, error) {
	var prefix [LengthSize]byte
	if _, err := io.ReadFull(r.r, prefix[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return Frame{}, io.EOF
		}
		return Frame{}, fmt.Errorf("frame: reading length: %w", err)
	}
	length := int(binary.BigEndian.Uint16(prefix[:]))
	if length > r.format.maxLength() {
		return Frame{}, fmt.Errorf("frame: %w: length %d exceeds max %d", ErrTooLarge, length, r.format.maxLength())
	}
	body := make([]byte, length)
	if _, err := io.ReadFull(r.r, body); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return Frame{}, fmt.Errorf("frame: reading %d-byte body: %w", length, err)
	}
	return r.format.Decode(body)
}

// Writer writes frames to a stream.
type Writer struct {
	w      io.Writer
	format Format
}

// NewWriter writes frames of the given format to w.
func NewWriter(w io.Writer, format Format) *Writer {
	return &Writer{w: w, format: format}
}

// WriteFrame writes one whole frame in a single Write call, so frames from one
// writer never interleave on a connection.
func (w *Writer) WriteFrame(fr Frame) error {
	data, err := w.format.Encode(fr)
	if err != nil {
		return err
	}
	if _, err := w.w.Write(data); err != nil {
		return fmt.Errorf("frame: writing %d bytes: %w", len(data), err)
	}
	return nil
}
