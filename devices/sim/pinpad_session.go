package sim

import (
	"bytes"
	"errors"
	"strings"
	"time"

	"tilldesk/core/dukpt"
	"tilldesk/core/pinblock"
	"tilldesk/devices/pinpad/ipp"
	"tilldesk/devices/seriallink"
)

// padState is what the simulated pad is doing.
type padState int

const (
	padIdle     padState = iota
	padEntering          // taking a PIN for a Z60
)

// padMaxTransmissions: a frame the till does not answer is sent at most three times
// (PP791 manual, section 4: EOT "after two retransmit attempts"), and the pad's
// third NAK in a row is followed by EOT (Mx800 guide: "EOT after 3 NAKs").
const padMaxTransmissions = 3

// padSession is the pad's state, owned by the run goroutine and guarded by PINPad.mu.
type padSession struct {
	keys    padKeys
	dec     ipp.Decoder
	state   padState
	display [2]string
	prompt  string // line 2 as Z2 set it, shown until the first digit
	pan     string // of the Z60 being served
	digits  []byte // the clear PIN being typed: erased as soon as it is used
	blocks  int
	entries int // Z60s accepted: PIN entries begun

	outstanding []byte // a frame sent and not yet ACKed
	sends       int    // transmissions of outstanding since the till last answered
	eotAfterAck bool   // end the exchange with EOT once outstanding is ACKed
	naksInARow  int    // NAKs sent for corrupt frames since the last good one

	entryTimer *time.Timer
	ackTimer   *time.Timer

	corruptNext, ignoreNext, nakNext int
	garbage                          []byte
}

// erase zeroes the clear PIN and forgets the PAN and the DUKPT keys.
func (s *padSession) erase() {
	clear(s.digits)
	s.digits = s.digits[:0]
	s.pan = ""
	s.keys.Zero()
}

// readLoop hands what the till sends to run, until the pseudo-terminal closes.
func (p *PINPad) readLoop() {
	buf := make([]byte, 256)
	for {
		select {
		case <-p.quit:
			return
		default:
		}
		n, err := p.pty.Master.Read(buf)
		if n > 0 {
			select {
			case p.in <- bytes.Clone(buf[:n]):
			case <-p.quit:
				return
			}
		}
		if err != nil {
			p.log.Debug("simulated PIN pad stops reading", "err", err)
			return
		}
	}
}

// run is the pad's firmware: one event at a time from the line, the keypad and the
// timers, until Unplug.
func (p *PINPad) run() {
	s := &p.session
	defer func() {
		p.mu.Lock()
		stopTimer(&s.entryTimer)
		stopTimer(&s.ackTimer)
		p.mu.Unlock()
	}()
	for {
		select {
		case <-p.quit:
			return
		case data := <-p.in:
			p.locked(func() {
				for _, b := range data {
					if ev, ok := s.dec.Feed(b); ok {
						p.onEvent(ev)
					}
				}
			})
		case k := <-p.keys:
			p.locked(func() { p.onKey(k) })
		case <-timerC(s.entryTimer):
			p.locked(p.onEntryTimeout)
		case <-timerC(s.ackTimer):
			p.locked(p.onAckTimeout)
		}
	}
}

// locked runs fn with p.mu held and wakes waiters after it.
func (p *PINPad) locked(fn func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fn()
	p.notify()
}

func timerC(t *time.Timer) <-chan time.Time {
	if t == nil {
		return nil
	}
	return t.C
}

func stopTimer(t **time.Timer) {
	if *t != nil {
		(*t).Stop()
		*t = nil
	}
}

// onEvent handles what the decoder found on the line.
func (p *PINPad) onEvent(ev ipp.Event) {
	s := &p.session
	switch ev.Kind {
	case seriallink.Control:
		if s.outstanding == nil {
			return // a stray ACK, NAK or EOT: nothing to do
		}
		switch ev.Byte {
		case ipp.ACK:
			p.delivered()
		case ipp.NAK:
			s.sends = 0  // a NAK is an answer: the count of silent sends restarts
			p.transmit() // again, until ACK or EOT (PP791 manual, section 4)
		case ipp.EOT:
			p.log.Debug("till ended the exchange")
			p.abandon()
		}
	case seriallink.Corrupt:
		p.nak()
	case seriallink.Received:
		p.onFrame(ev.Frame)
	}
}

// onFrame answers a frame with a good LRC and acts on it.
func (p *PINPad) onFrame(f ipp.Frame) {
	s := &p.session
	switch {
	case s.ignoreNext > 0:
		s.ignoreNext--
		return
	case s.nakNext > 0:
		s.nakNext--
		p.nak()
		return
	}
	s.naksInARow = 0
	if s.outstanding != nil {
		p.abandon() // the till has moved on without ACKing our frame
	}
	typ := ipp.PacketType(f)
	if typ == ipp.TypeCancel {
		if s.state == padEntering {
			p.endEntry("CANCELLED")
			p.reply(ipp.EOT) // PP791 manual, message 72: EOT ends PIN entry
			return
		}
		p.reply(ipp.ACK)
		return
	}
	p.reply(ipp.ACK)
	if s.state == padEntering {
		p.log.Debug("busy taking a PIN, packet ignored", "packet", typ)
		return
	}
	switch {
	case typ == ipp.TypeDisplay && f.Framing == ipp.Text:
		if text, _, err := ipp.ParseDisplayRequest(f); err == nil {
			p.show(text)
		}
	case typ == ipp.TypePINRequest && f.Framing == ipp.Text:
		p.startEntry(f)
	case typ == ipp.TypeEngineCheck && f.Framing == ipp.Management:
		if answer, err := ipp.EngineCheckResponse(p.cfg.Engine); err == nil {
			s.eotAfterAck = true // Mx800 guide table 70: "EOT terminates session"
			p.send(answer)
		}
	default:
		// A good frame with a packet this pad does not serve is ignored, as
		// IPP-compatible pads do (Uniform PP791 manual, section 4, "Packet Error").
		p.log.Debug("packet ignored", "packet", typ)
	}
}

// show puts Z2 text on the display: 16 characters a line. A real pad writes at its
// cursor; the till always clears first (SUB), so the simulator always replaces.
func (p *PINPad) show(text string) {
	s := &p.session
	line2 := ""
	if len(text) > ipp.DisplayColumns {
		text, line2 = text[:ipp.DisplayColumns], text[ipp.DisplayColumns:]
	}
	s.display = [2]string{text, line2}
	s.prompt = line2
}

// startEntry begins taking a PIN for a Z60, or refuses it with a 73 error code.
func (p *PINPad) startEntry(f ipp.Frame) {
	s := &p.session
	pan, key, err := ipp.ParsePINRequest(f)
	switch {
	case err != nil:
		p.refuse(ipp.EntryAccount)
		return
	case key != s.keys.scheme():
		p.log.Debug("PIN request for keys the pad does not hold", "asked", key.String(), "holds", s.keys.scheme().String())
		p.refuse(ipp.EntryNotDUKPT)
		return
	case s.keys.Exhausted():
		p.refuse(ipp.EntryExhausted)
		return
	}
	s.state = padEntering
	s.entries++
	s.pan = pan
	s.digits = s.digits[:0]
	if p.cfg.EntryTimeout > 0 {
		s.entryTimer = time.NewTimer(p.cfg.EntryTimeout)
	}
}

func (p *PINPad) refuse(code byte) {
	if f, err := ipp.PINErrorResponse(code); err == nil {
		p.send(f)
	}
}

// onKey handles a key press; keys do nothing unless the pad is taking a PIN.
func (p *PINPad) onKey(k padKey) {
	s := &p.session
	if s.state != padEntering {
		return
	}
	switch {
	case k >= '0' && k <= '9':
		if len(s.digits) < pinblock.MaxPINLength {
			s.digits = append(s.digits, byte(k))
		}
	case k == keyClear:
		clear(s.digits)
		s.digits = s.digits[:0]
	case k == keyCancel:
		p.endEntry("CANCELLED")
		p.reply(ipp.EOT)
		return
	case k == keyEnter:
		p.enter()
		return
	}
	s.display[1] = s.prompt
	if len(s.digits) > 0 {
		s.display[1] = strings.Repeat("*", len(s.digits))
	}
}

// enter ends PIN entry with the digits typed: none sends 73 without a PIN, 1 to 3
// are too few (a real pad beeps and waits), 4 to 12 are encrypted and sent.
func (p *PINPad) enter() {
	s := &p.session
	switch n := len(s.digits); {
	case n == 0:
		p.endEntry("PLEASE WAIT")
		p.send(ipp.NoPINResponse(s.keys.scheme()))
	case n < pinblock.MinPINLength:
		return
	default:
		p.encryptPIN()
	}
}

// encryptPIN builds the ISO 9564 block of the pad's scheme from the PIN and the PAN,
// encrypts it under the PIN key of the next DUKPT transaction, erases the clear PIN
// and the keys, and sends packet 73.
func (p *PINPad) encryptPIN() {
	s := &p.session
	frame, ksn, err := s.keys.encrypt(s.digits, s.pan)
	p.endEntry("PLEASE WAIT")
	switch {
	case errors.Is(err, dukpt.ErrExhausted):
		p.refuse(ipp.EntryExhausted)
		return
	case err != nil:
		p.log.Debug("PIN not encrypted", "err", err)
		p.refuse(ipp.EntryTooShort)
		return
	}
	s.blocks++
	p.log.Info("PIN block encrypted", "key", s.keys.scheme().String(), "ksn", ksn)
	p.send(frame)
}

// endEntry leaves PIN entry, erasing the PIN typed and the PAN.
func (p *PINPad) endEntry(message string) {
	s := &p.session
	clear(s.digits)
	s.digits = s.digits[:0]
	s.pan = ""
	s.state = padIdle
	stopTimer(&s.entryTimer)
	s.display = [2]string{message}
}

func (p *PINPad) onEntryTimeout() {
	s := &p.session
	s.entryTimer = nil
	if s.state == padEntering {
		p.endEntry("TIMED OUT")
		p.reply(ipp.EOT)
	}
}

// send transmits a frame and waits (in run) for the till's ACK.
func (p *PINPad) send(f ipp.Frame) {
	raw, err := ipp.Encode(f)
	if err != nil {
		p.log.Error("cannot frame packet", "err", err)
		return
	}
	s := &p.session
	s.outstanding = raw
	s.sends = 0
	p.transmit()
}

// transmit sends the outstanding frame (corrupted if a fault says so) and starts the
// ACK timer.
func (p *PINPad) transmit() {
	s := &p.session
	raw := s.outstanding
	if s.corruptNext > 0 {
		s.corruptNext--
		raw = bytes.Clone(raw)
		raw[len(raw)-1] ^= 0xFF
	}
	s.sends++
	p.write(raw)
	stopTimer(&s.ackTimer)
	s.ackTimer = time.NewTimer(p.cfg.AckTimeout)
}

// resend answers a silent till: the frame again, or EOT after the third
// transmission. A NAK is not counted: the pad resends until the till ACKs or gives
// up with EOT, which the till does after its third NAK.
func (p *PINPad) resend() {
	s := &p.session
	if s.sends >= padMaxTransmissions {
		p.log.Debug("no ACK, giving up on the frame", "sends", s.sends)
		p.abandon()
		p.write([]byte{ipp.EOT})
		return
	}
	p.transmit()
}

func (p *PINPad) onAckTimeout() {
	p.session.ackTimer = nil
	if p.session.outstanding != nil {
		p.resend()
	}
}

// delivered: the till ACKed the outstanding frame.
func (p *PINPad) delivered() {
	s := &p.session
	eot := s.eotAfterAck
	p.abandon()
	if eot {
		p.write([]byte{ipp.EOT})
	}
}

// abandon forgets the outstanding frame.
func (p *PINPad) abandon() {
	s := &p.session
	s.outstanding = nil
	s.eotAfterAck = false
	stopTimer(&s.ackTimer)
}

// nak answers a corrupt frame; the third NAK in a row is followed by EOT.
func (p *PINPad) nak() {
	s := &p.session
	s.naksInARow++
	p.reply(ipp.NAK)
	if s.naksInARow >= padMaxTransmissions {
		s.naksInARow = 0
		p.write([]byte{ipp.EOT})
	}
}

// reply sends one control byte, or the garbage a fault has queued instead.
func (p *PINPad) reply(control byte) { p.write([]byte{control}) }

// write puts bytes on the line, or the queued garbage in their place.
func (p *PINPad) write(b []byte) {
	s := &p.session
	if s.garbage != nil {
		b, s.garbage = s.garbage, nil
	}
	if _, err := p.pty.Master.Write(b); err != nil {
		p.log.Debug("simulated PIN pad cannot write", "err", err)
	}
}
