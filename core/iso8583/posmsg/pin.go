package posmsg

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strings"
)

// PIN is the online PIN and its security data; all empty when no PIN was entered.
//
// A TDES DUKPT PIN (ISO 9564 format 0) travels as the UnionPay specification has it:
// the 8-byte block in DE52 (b64), with the 10-byte KSN in DE62 as 20 hexadecimal
// characters (Tilldesk dialect; UnionPay terminals with session keys from sign-on send
// no KSN). An AES DUKPT PIN (ISO 9564 format 4, ANSI X9.24-3) does not fit DE52, which
// the dialect fixes at 8 bytes: Tilldesk carries it in DE62, its 12-byte KSN and then
// its 16-byte block as 24 + 32 hexadecimal characters, with no DE52, and marks DE53
// with SecurityInfoAES. A parser tells the two apart by DE62's length (20 or 56
// characters).
type PIN struct {
	// Block is the encrypted PIN block: 8 bytes (format 0, DE52) or 16 (format 4, in
	// DE62).
	Block []byte
	// CaptureCode is DE26, the largest PIN length the PIN pad accepts ("12").
	CaptureCode string
	// SecurityInfo is DE53 (16 digits): SecurityInfoDefault for an 8-byte block and
	// SecurityInfoAES for a 16-byte one when empty.
	SecurityInfo string
	// KSN is the DUKPT key serial number, in DE62: 10 bytes for TDES, 12 for AES
	// (required with a 16-byte block).
	KSN []byte
}

// PIN block and KSN sizes of the two DUKPT schemes.
const (
	tdesBlockSize = 8
	aesBlockSize  = 16
	tdesKSNSize   = 10
	aesKSNSize    = 12
)

// Format is the ISO 9564 format of the block by its size: 0 for 8 bytes (TDES
// DUKPT), 4 for 16 (AES DUKPT).
func (p PIN) Format() byte {
	if len(p.Block) == aesBlockSize {
		return 4
	}
	return 0
}

// check refuses PIN data a message cannot carry or an acquirer could not read.
func (p PIN) check() error {
	switch {
	case len(p.Block) == 0 && (p.KSN != nil || p.CaptureCode != ""):
		return fmt.Errorf("posmsg: %w: PIN data without a PIN block", ErrValue)
	case len(p.Block) == 0:
		return nil
	case len(p.Block) == tdesBlockSize && p.KSN != nil && len(p.KSN) != tdesKSNSize:
		return fmt.Errorf("posmsg: %w: a format 0 PIN block needs a %d-byte TDES KSN, not %d bytes",
			ErrValue, tdesKSNSize, len(p.KSN))
	case len(p.Block) == tdesBlockSize:
		return nil
	case len(p.Block) != aesBlockSize:
		return fmt.Errorf("posmsg: %w: a PIN block of %d bytes, want %d (format 0) or %d (format 4)",
			ErrValue, len(p.Block), tdesBlockSize, aesBlockSize)
	case len(p.KSN) != aesKSNSize:
		return fmt.Errorf("posmsg: %w: a format 4 PIN block needs a %d-byte AES KSN, not %d bytes",
			ErrValue, aesKSNSize, len(p.KSN))
	}
	return nil
}

// pinBlockField binds DE52: the block when it is 8 bytes; a 16-byte block goes in
// DE62 (pinSecurityField).
type pinBlockField struct{ p *PIN }

func (f pinBlockField) encode() ([]byte, error) {
	if len(f.p.Block) != tdesBlockSize {
		return nil, nil
	}
	return bytes.Clone(f.p.Block), nil
}

func (f pinBlockField) decode(b []byte) error {
	if f.p.Block != nil {
		return fmt.Errorf("%w: a PIN block in both DE52 and DE62", ErrValue)
	}
	f.p.Block = bytes.Clone(b)
	return nil
}

// pinSecurityField binds DE62 of a card request: the KSN in hexadecimal, followed by
// the block when it is a 16-byte AES one.
type pinSecurityField struct{ p *PIN }

func (f pinSecurityField) encode() ([]byte, error) {
	if len(f.p.KSN) == 0 {
		return nil, nil
	}
	data := f.p.KSN
	if len(f.p.Block) == aesBlockSize {
		data = append(bytes.Clone(f.p.KSN), f.p.Block...)
	}
	return []byte(strings.ToUpper(hex.EncodeToString(data))), nil
}

func (f pinSecurityField) decode(b []byte) error {
	v, err := hex.DecodeString(string(b))
	if err != nil {
		return fmt.Errorf("%w: not hexadecimal", ErrValue)
	}
	if len(v) != aesKSNSize+aesBlockSize {
		f.p.KSN = v
		return nil
	}
	if f.p.Block != nil {
		return fmt.Errorf("%w: a PIN block in both DE52 and DE62", ErrValue)
	}
	f.p.KSN, f.p.Block = v[:aesKSNSize], v[aesKSNSize:]
	return nil
}
