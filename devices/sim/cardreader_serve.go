package sim

import (
	"bytes"
	"crypto/sha256"
	"time"

	"tilldesk/devices/cardreader/crt"
	"tilldesk/devices/seriallink"
)

// readerMaxTransmissions: a response the host neither ACKs nor NAKs, or NAKs, is sent
// at most three times.
const readerMaxTransmissions = 3

// readerExchange is the run goroutine's view of the line.
type readerExchange struct {
	dec         crt.Decoder
	outstanding []byte // a response sent and not yet ACKed
	sends       int
	ackTimer    *time.Timer
}

// run is the reader's firmware: one event at a time from the line and the ACK timer,
// until Unplug.
func (r *CardReader) run() {
	defer close(r.done)
	var x readerExchange
	defer stopTimer(&x.ackTimer)
	for {
		select {
		case <-r.quit:
			return
		case data := <-r.in:
			r.mu.Lock()
			r.fromHost += len(data)
			r.mu.Unlock()
			due := r.line.arrived(len(data), time.Now())
			for _, b := range data {
				if ev, ok := x.dec.Feed(b); ok {
					r.onEvent(&x, ev, due)
				}
			}
		case <-timerC(x.ackTimer):
			x.ackTimer = nil
			r.resend(&x)
		}
	}
}

// onEvent handles what the decoder found; due is when the bytes have crossed the line.
func (r *CardReader) onEvent(x *readerExchange, ev crt.Event, due time.Time) {
	switch ev.Kind {
	case seriallink.Control:
		switch ev.Byte {
		case crt.ACK, crt.EOT:
			x.outstanding = nil
			stopTimer(&x.ackTimer)
		case crt.NAK:
			if x.outstanding != nil {
				stopTimer(&x.ackTimer)
				r.resend(x)
			}
		}
	case seriallink.Corrupt:
		r.log.Debug("corrupt command", "err", ev.Err)
		waitUntil(due)
		r.write([]byte{crt.NAK})
	case seriallink.Received:
		r.onCommand(x, ev.Frame, due)
	}
}

// onCommand ACKs a command addressed to this reader, carries it out and sends the
// response. A new command supersedes a response still waiting for its ACK.
func (r *CardReader) onCommand(x *readerExchange, f crt.Frame, due time.Time) {
	cmd, err := crt.ParseCommand(f)
	if err != nil || f.Address != r.cfg.Address {
		return
	}
	r.mu.Lock()
	ignore, nak := r.faults.ignoreNext > 0, r.faults.ignoreNext == 0 && r.faults.nakNext > 0
	switch {
	case ignore:
		r.faults.ignoreNext--
	case nak:
		r.faults.nakNext--
	}
	r.mu.Unlock()
	if ignore {
		return
	}
	waitUntil(due)
	if nak {
		r.write([]byte{crt.NAK})
		return
	}
	r.write([]byte{crt.ACK})
	x.outstanding = nil
	stopTimer(&x.ackTimer)
	r.mu.Lock()
	resp := r.execute(cmd)
	r.mu.Unlock()
	resp.Address = r.cfg.Address
	raw, err := crt.Encode(resp.Frame())
	if err != nil {
		r.log.Debug("response cannot be framed", "err", err)
		return
	}
	x.outstanding, x.sends = raw, 1
	r.transmit(x)
}

// transmit sends the outstanding response (with a wrong BCC while CorruptNext says
// so) and waits for its ACK.
func (r *CardReader) transmit(x *readerExchange) {
	r.mu.Lock()
	raw := x.outstanding
	if r.faults.corruptNext > 0 {
		r.faults.corruptNext--
		raw = bytes.Clone(raw)
		raw[len(raw)-1] ^= 0xFF
	}
	r.mu.Unlock()
	r.write(raw)
	x.ackTimer = time.NewTimer(r.cfg.AckTimeout)
}

// resend sends the outstanding response again, up to readerMaxTransmissions times.
func (r *CardReader) resend(x *readerExchange) {
	if x.outstanding == nil {
		return
	}
	if x.sends >= readerMaxTransmissions {
		r.log.Debug("response abandoned: the host does not ACK")
		x.outstanding = nil
		return
	}
	x.sends++
	r.transmit(x)
}

// Error codes the simulated reader answers with besides the manual's: an empty slot
// or field reads as a power failure (the reader cannot power a card that is not
// there), a command it does not have as "00".
var (
	codeNoCard     = crt.CodePowerFailure
	codeCardLeft   = crt.CodeNoAnswer
	codeUndefined  = crt.CodeUndefinedCmd
	codeParameter  = crt.CodeParameterError
	statusNoCard   = crt.Status{crt.NoCard, '0', '0'}
	statusCardIn   = crt.Status{crt.CardInReader, '0', '0'}
	contactlessATQ = [2]byte{0x00, 0x04} // single-size UID
	sakISO14443_4  = byte(0x20)
)

// execute carries out one command, r.mu held.
func (r *CardReader) execute(cmd crt.Command) crt.Response {
	ok := func(data []byte) crt.Response {
		st := statusNoCard
		if r.slot != nil {
			st = statusCardIn
		}
		return crt.Response{Positive: true, CM: cmd.CM, PM: cmd.PM, Status: st, Data: data}
	}
	refuse := func(code crt.ErrorCode) crt.Response { return crt.Response{CM: cmd.CM, PM: cmd.PM, Error: code} }
	switch cmd.CM {
	case 0x30: // initialize
		r.powered, r.active = false, false
		return ok([]byte(r.cfg.Firmware))
	case 0x31: // status
		return ok(nil)
	case 0x51:
		return r.contactCommand(cmd, ok, refuse)
	case 0x60:
		return r.contactlessCommand(cmd, ok, refuse)
	}
	return refuse(codeUndefined)
}

type (
	positive func(data []byte) crt.Response
	negative func(code crt.ErrorCode) crt.Response
)

// contactCommand is 51H: the CPU card in the slot.
func (r *CardReader) contactCommand(cmd crt.Command, ok positive, refuse negative) crt.Response {
	switch cmd.PM {
	case 0x30, 0x38: // cold reset, warm reset
		if r.slot == nil {
			return refuse(codeNoCard)
		}
		if cmd.PM == 0x38 && !r.powered {
			return refuse(crt.CodeNotActivated)
		}
		r.slot.Reset()
		r.powered = true
		atr := r.slot.ATR()
		return ok(append([]byte{protocolOf(atr)}, atr...))
	case 0x31: // power down
		r.powered = false
		return ok(nil)
	case 0x32: // status
		sti := byte('0')
		if r.powered && r.slot != nil {
			sti = '1'
		}
		return ok([]byte{sti})
	case 0x33, 0x34, 0x39: // APDU by T=0, T=1, or the card's protocol
		switch {
		case r.slot == nil:
			r.powered = false
			return refuse(codeNoCard)
		case !r.powered:
			return refuse(crt.CodeNotActivated)
		case cmd.PM != 0x39 && cmd.PM-0x33 != protocolOf(r.slot.ATR())-0x30:
			return refuse(crt.CodeWrongProtocol)
		}
		return ok(r.slot.Process(bytes.Clone(cmd.Data)))
	}
	return refuse(codeParameter)
}

// contactlessCommand is 60H: the card in the antenna's field.
func (r *CardReader) contactlessCommand(cmd crt.Command, ok positive, refuse negative) crt.Response {
	switch cmd.PM {
	case 0x30: // activate
		if r.field == nil || len(cmd.Data) != 2 || (cmd.Data[0] != 'A' && cmd.Data[1] != 'A') {
			r.active = false
			return refuse(codeNoCard)
		}
		r.field.Reset()
		r.active = true
		uid := cardUID(r.field)
		act := crt.Activation{ATQA: atqaFor(uid), UID: uid, SAK: sakISO14443_4, ATS: atsFromATR(r.field.ATR())}
		return ok(act.Bytes())
	case 0x31: // deactivate
		r.active = false
		return ok(nil)
	case 0x32: // status: sti, stj
		if r.active && r.field != nil {
			return ok([]byte{'2', '0'})
		}
		return ok([]byte{'0', '0'})
	case 0x34: // APDU, type A
		if r.field == nil || !r.active {
			r.active = false
			return refuse(codeCardLeft)
		}
		return ok(r.field.Process(bytes.Clone(cmd.Data)))
	}
	return refuse(codeParameter)
}

// protocolOf reads the protocol type the reader reports from an ATR: 31H when TD1
// names T=1, else 30H.
func protocolOf(atr []byte) byte {
	if len(atr) > 2 && atr[1]&0x80 != 0 {
		i := 2
		for _, bit := range []byte{0x10, 0x20, 0x40} {
			if atr[1]&bit != 0 {
				i++
			}
		}
		if i < len(atr) && atr[i]&0x0F == 1 {
			return 0x31
		}
	}
	return 0x30
}

// atsFromATR makes the ATS of a card whose PC/SC ATR is 3B 8n 80 01 + historical
// bytes + TCK: TL, T0 (FSCI 8, no interface bytes) and the same historical bytes, so
// that the host rebuilds the same ATR.
func atsFromATR(atr []byte) []byte {
	var hist []byte
	if n := len(atr); n >= 5 && atr[0] == 0x3B && atr[2] == 0x80 && atr[3] == 0x01 && int(atr[1]&0x0F) == n-5 {
		hist = atr[4 : n-1]
	}
	return append([]byte{byte(2 + len(hist)), 0x08}, hist...)
}

// atqaFor is the ATQA of a card with this UID: bits 7-8 say its size (ISO/IEC
// 14443-3, 6.5.2.1); a double-size UID answers as a DESFire does (03 44).
func atqaFor(uid []byte) [2]byte {
	if len(uid) == 7 {
		return [2]byte{0x03, 0x44}
	}
	return contactlessATQ
}

// cardUID is the card's own UID when it has one (a StoreCard), else a 4-byte
// random-ID UID (first byte 08H) that stays the same for a card with the same ATR.
func cardUID(card CardApp) []byte {
	if u, ok := card.(interface{ UID() []byte }); ok {
		return u.UID()
	}
	sum := sha256.Sum256(card.ATR())
	return append([]byte{0x08}, sum[:3]...)
}
