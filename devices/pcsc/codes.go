package pcsc

import (
	"errors"
	"fmt"

	"tilldesk/devices"
)

// PC/SC return codes (the same values in pcsc-lite and WinSCard).
const (
	codeSuccess            = 0x00000000
	codeInvalidHandle      = 0x80100003
	codeUnknownReader      = 0x80100009
	codeTimeout            = 0x8010000A
	codeSharingViolation   = 0x8010000B
	codeNoSmartcard        = 0x8010000C
	codeNotTransacted      = 0x80100016
	codeReaderUnavailable  = 0x80100017
	codeNoService          = 0x8010001D
	codeServiceStopped     = 0x8010001E
	codeNoReadersAvailable = 0x8010002E
	codeUnresponsiveCard   = 0x80100066
	codeUnpoweredCard      = 0x80100067
	codeResetCard          = 0x80100068
	codeRemovedCard        = 0x80100069
)

// classify maps a PC/SC return code onto the package's and devices' errors; nil for
// success.
func classify(code uint32) error {
	switch code {
	case codeSuccess:
		return nil
	case codeNoService, codeServiceStopped:
		return ErrNoService
	case codeNoSmartcard, codeRemovedCard, codeResetCard, codeUnpoweredCard, codeUnresponsiveCard, codeNotTransacted:
		return ErrCardRemoved
	case codeUnknownReader, codeNoReadersAvailable, codeReaderUnavailable:
		return devices.ErrNotFound
	case codeTimeout:
		return devices.ErrTimeout
	case codeSharingViolation:
		return devices.ErrBusy
	case codeInvalidHandle:
		return devices.ErrClosed
	}
	return devices.ErrProtocol
}

// codeError is a failed PC/SC call: its name, return code and what it means.
type codeError struct {
	op   string
	code uint32
	text string // the system's own words for the code, when it has them
	kind error
}

func (e *codeError) Error() string {
	if e.text != "" {
		return fmt.Sprintf("%s: %v (%s, 0x%08X)", e.op, e.kind, e.text, e.code)
	}
	return fmt.Sprintf("%s: %v (0x%08X)", e.op, e.kind, e.code)
}

func (e *codeError) Unwrap() error { return e.kind }

// failed returns nil for success, else a *codeError.
func failed(op string, code uint32, text func() string) error {
	kind := classify(code)
	if kind == nil {
		return nil
	}
	e := &codeError{op: op, code: code, kind: kind}
	if text != nil {
		e.text = text()
	}
	return e
}

// isCode reports whether err is a failed call that returned code.
func isCode(err error, code uint32) bool {
	var ce *codeError
	return errors.As(err, &ce) && ce.code == code
}
