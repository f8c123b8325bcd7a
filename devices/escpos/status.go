package escpos

import (
	"fmt"

	"tilldesk/devices"
)

// Status is what the printer reports about itself through DLE EOT.
type Status struct {
	Online       bool // ready to print (DLE EOT 1 bit 3 clear)
	CoverOpen    bool // the paper cover is open
	PaperOut     bool // the roll is empty, or printing stopped at paper end
	PaperNearEnd bool // the near-end sensor sees little paper left
	// DrawerOpen is drawer kick-out connector pin 3 reading high. Most drawers wire
	// their switch that way round; a drawer wired the other way reads inverted.
	DrawerOpen bool
	Error      bool // the printer reports an error (cutter jam, head overheat, ...)
}

// Bits of the DLE EOT replies, from the Epson ESC/POS reference tables ("DLE EOT n:
// Transmit real-time status", as reproduced in the Epson TM-T88III, TM-L60II and
// Bixolon SRP-350 manuals). Every reply has bit 1 and bit 4 fixed on and bit 7 fixed
// off, which tells a status byte from anything else on the line. (Bit 0 is also
// documented as fixed off, but is not checked, as some compatible printers use it.)
const (
	replyFixedMask = 0x92 // bits 1, 4 and 7
	replyFixedBits = 0x12 // bits 1 and 4 on, bit 7 off

	// n = 1, printer status.
	printerDrawerPin3 = 0x04 // bit 2: drawer kick-out connector pin 3 is high
	printerOffline    = 0x08 // bit 3: off-line
	// n = 2, off-line cause.
	offlineCoverOpen = 0x04 // bit 2: cover is open (bit 3, feed button held, is not used)
	offlinePaperEnd  = 0x20 // bit 5: printing stops due to a paper end
	offlineError     = 0x40 // bit 6: error occurred
	// n = 3, error cause.
	errorAutocutter      = 0x08 // bit 3: autocutter error
	errorUnrecoverable   = 0x20 // bit 5: unrecoverable error
	errorAutoRecoverable = 0x40 // bit 6: auto-recoverable error (head temperature)
	// n = 4, roll paper sensor ("bits 2, 3: 0C roll paper near-end sensor: paper near
	// end; bits 5, 6: 60 roll paper end sensor: paper not present").
	paperNearEnd = 0x0c
	paperEnd     = 0x60
)

// ParseStatus reads the reply byte b to DLE EOT n. The Status holds only what that
// reply tells (n = 1: Online, DrawerOpen; 2: CoverOpen, PaperOut, Error; 3: Error;
// 4: PaperNearEnd, PaperOut); StatusFromReplies combines replies. A byte without the
// fixed bits, or an n other than 1-4, gives an error wrapping devices.ErrProtocol.
func ParseStatus(n byte, b byte) (Status, error) {
	if b&replyFixedMask != replyFixedBits {
		return Status{}, fmt.Errorf("escpos: status %d reply %#02x lacks the fixed bits: %w", n, b, devices.ErrProtocol)
	}
	var s Status
	switch StatusKind(n) {
	case StatusPrinter:
		s.Online = b&printerOffline == 0
		s.DrawerOpen = b&printerDrawerPin3 != 0
	case StatusOffline:
		s.CoverOpen = b&offlineCoverOpen != 0
		s.PaperOut = b&offlinePaperEnd != 0
		s.Error = b&offlineError != 0
	case StatusError:
		s.Error = b&(errorAutocutter|errorUnrecoverable|errorAutoRecoverable) != 0
	case StatusPaper:
		s.PaperNearEnd = b&paperNearEnd != 0
		s.PaperOut = b&paperEnd != 0
	default:
		return Status{}, fmt.Errorf("escpos: status kind %d is not 1-4: %w", n, devices.ErrProtocol)
	}
	return s, nil
}

// StatusFromReplies combines the replies to DLE EOT 1 (printer), 2 (off-line cause)
// and 4 (paper sensor) into one Status.
func StatusFromReplies(printer, offline, paper byte) (Status, error) {
	p, err := ParseStatus(byte(StatusPrinter), printer)
	if err != nil {
		return Status{}, err
	}
	o, err := ParseStatus(byte(StatusOffline), offline)
	if err != nil {
		return Status{}, err
	}
	r, err := ParseStatus(byte(StatusPaper), paper)
	if err != nil {
		return Status{}, err
	}
	return Status{
		Online:       p.Online,
		DrawerOpen:   p.DrawerOpen,
		CoverOpen:    o.CoverOpen,
		Error:        o.Error,
		PaperOut:     o.PaperOut || r.PaperOut,
		PaperNearEnd: r.PaperNearEnd,
	}, nil
}

// Reply is the byte a printer in status s answers to DLE EOT n, the inverse of
// ParseStatus (the simulator answers with it). An Error shows as an unrecoverable
// error in reply 3; an n other than 1-4 gets just the fixed bits.
func (s Status) Reply(n byte) byte {
	b := byte(replyFixedBits)
	set := func(on bool, bits byte) {
		if on {
			b |= bits
		}
	}
	switch StatusKind(n) {
	case StatusPrinter:
		set(!s.Online, printerOffline)
		set(s.DrawerOpen, printerDrawerPin3)
	case StatusOffline:
		set(s.CoverOpen, offlineCoverOpen)
		set(s.PaperOut, offlinePaperEnd)
		set(s.Error, offlineError)
	case StatusError:
		set(s.Error, errorUnrecoverable)
	case StatusPaper:
		set(s.PaperNearEnd, paperNearEnd)
		set(s.PaperOut, paperEnd)
	}
	return b
}

// String lists the conditions that are on, for logs.
func (s Status) String() string {
	out := "offline"
	if s.Online {
		out = "online"
	}
	for _, f := range []struct {
		on   bool
		name string
	}{{s.CoverOpen, "cover open"}, {s.PaperOut, "paper out"}, {s.PaperNearEnd, "paper near end"}, {s.DrawerOpen, "drawer open"}, {s.Error, "error"}} {
		if f.on {
			out += ", " + f.name
		}
	}
	return out
}
