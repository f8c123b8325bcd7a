package backup

import (
	"crypto/cipher"
	"errors"
	"fmt"
	"io"
)

// sealer encrypts a stream into chunks. Full chunks go out as soon as they fill; Close
// seals the remainder (shorter than a chunk, possibly empty) as the final chunk.
type sealer struct {
	w      io.Writer
	aead   cipher.AEAD
	rand   io.Reader
	digest [32]byte // SHA-256 of the header
	buf    []byte   // plaintext waiting, cap = chunk size
	out    []byte   // sealed chunk scratch
	aad    []byte
	index  uint64
	err    error // sticky
}

func newSealer(w io.Writer, aead cipher.AEAD, rand io.Reader, digest [32]byte, chunkSize int) *sealer {
	return &sealer{
		w: w, aead: aead, rand: rand, digest: digest,
		buf: make([]byte, 0, chunkSize),
		out: make([]byte, 0, nonceSize+chunkSize+tagSize),
	}
}

// Write buffers p, sealing every chunk that fills.
func (s *sealer) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 && s.err == nil {
		n := copy(s.buf[len(s.buf):cap(s.buf)], p)
		s.buf = s.buf[:len(s.buf)+n]
		p, written = p[n:], written+n
		if len(s.buf) == cap(s.buf) {
			s.seal(false)
		}
	}
	return written, s.err
}

// Close seals the final chunk. It does not close the underlying writer.
func (s *sealer) Close() error {
	if s.err == nil {
		s.seal(true)
	}
	return s.err
}

func (s *sealer) seal(final bool) {
	nonce := s.out[:nonceSize]
	if _, err := io.ReadFull(s.rand, nonce); err != nil {
		s.err = fmt.Errorf("backup: random nonce: %w", err)
		return
	}
	s.aad = chunkAAD(s.aad, &s.digest, s.index, final)
	sealed := s.aead.Seal(nonce, nonce, s.buf, s.aad)
	if _, err := s.w.Write(sealed); err != nil {
		s.err = fmt.Errorf("backup: write chunk %d: %w", s.index, err)
		return
	}
	s.index++
	s.buf = s.buf[:0]
}

// opener decrypts chunks as they are read. A chunk that fails authentication, a
// missing final chunk or data after it gives ErrTampered; read errors of the
// underlying reader are passed on as they are.
type opener struct {
	r      io.Reader
	aead   cipher.AEAD
	digest [32]byte
	in     []byte // one sealed chunk
	plain  []byte
	aad    []byte
	pos    int
	index  uint64
	done   bool  // the final chunk has been opened
	err    error // sticky
}

func newOpener(r io.Reader, aead cipher.AEAD, digest [32]byte, chunkSize int) *opener {
	return &opener{r: r, aead: aead, digest: digest, in: make([]byte, nonceSize+chunkSize+tagSize)}
}

// Read returns decrypted bytes; io.EOF comes only after the authentic final chunk.
func (o *opener) Read(p []byte) (int, error) {
	for o.pos == len(o.plain) {
		if o.err != nil {
			return 0, o.err
		}
		if o.done {
			return 0, io.EOF
		}
		o.err = o.next()
	}
	n := copy(p, o.plain[o.pos:])
	o.pos += n
	return n, nil
}

// next opens the next chunk. A full-size chunk is not final; a shorter one is.
func (o *opener) next() error {
	n, err := io.ReadFull(o.r, o.in)
	final := false
	switch {
	case err == nil:
	case errors.Is(err, io.ErrUnexpectedEOF):
		final = true
	case errors.Is(err, io.EOF):
		return fmt.Errorf("%w: the file ends after chunk %d without its final chunk (truncated)", ErrTampered, o.index)
	default:
		return fmt.Errorf("backup: read chunk %d: %w", o.index, err)
	}
	if n < nonceSize+tagSize {
		return fmt.Errorf("%w: chunk %d is cut short (truncated)", ErrTampered, o.index)
	}
	o.aad = chunkAAD(o.aad, &o.digest, o.index, final)
	plain, err := o.aead.Open(o.plain[:0], o.in[:nonceSize], o.in[nonceSize:n], o.aad)
	if err != nil {
		return fmt.Errorf("%w: chunk %d fails authentication", ErrTampered, o.index)
	}
	o.plain, o.pos, o.done = plain, 0, final
	o.index++
	return nil
}
