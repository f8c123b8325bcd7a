package sim

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// Virtual smart cards behind pcscd. Debian's vsmartcard-vpcd is a reader driver for
// pcscd whose "card slot" is a TCP port (35963 on loopback): a program that connects
// to it is a card in that reader, one that disconnects is a card pulled out. The till
// then talks to the card through the real PC/SC stack (devices/pcsc), exactly as to a
// card in a USB CCID reader. The wire protocol (vsmartcard's vpcd/vpicc): every message
// is a 2-byte big-endian length and a payload; from the reader, a 1-byte payload is a
// control command (power off, power on, reset, get ATR) and anything longer is a
// command APDU; the card answers the ATR request with its ATR and an APDU with its
// response APDU, and the rest with nothing.

// VPCDAddr is where vpcd's first reader listens for a card.
const VPCDAddr = "127.0.0.1:35963"

// vpcd control commands.
const (
	vpcdPowerOff = 0x00
	vpcdPowerOn  = 0x01
	vpcdReset    = 0x02
	vpcdGetATR   = 0x04
)

// CardApp is the card's side of the conversation: what a chip answers.
type CardApp interface {
	// ATR is the answer to reset.
	ATR() []byte
	// Reset is a power-on or warm reset: the card forgets its session state.
	Reset()
	// Process answers one command APDU with a response APDU (data and status word).
	Process(apdu []byte) []byte
}

// InsertedCard is a virtual card in vpcd's reader.
type InsertedCard struct {
	conn net.Conn
	app  CardApp
	done chan struct{}
	err  error
	once sync.Once
	mu   sync.Mutex // serialises the card: one APDU at a time
}

// InsertCard connects app to vpcd at addr, which pcscd then reports as a card in its
// virtual reader. Remove takes it out.
func InsertCard(addr string, app CardApp) (*InsertedCard, error) {
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return nil, fmt.Errorf("sim: insert card into vpcd at %s (is pcscd running with vsmartcard-vpcd?): %w", addr, err)
	}
	c := &InsertedCard{conn: conn, app: app, done: make(chan struct{})}
	go c.serve()
	return c, nil
}

// Remove pulls the card out and waits for its connection to end.
func (c *InsertedCard) Remove() error {
	c.once.Do(func() { _ = c.conn.Close() })
	<-c.done
	if errors.Is(c.err, net.ErrClosed) || errors.Is(c.err, io.EOF) {
		return nil
	}
	return c.err
}

func (c *InsertedCard) serve() {
	defer close(c.done)
	for {
		msg, err := readVPCD(c.conn)
		if err != nil {
			c.err = err
			return
		}
		var reply []byte
		c.mu.Lock()
		switch {
		case len(msg) == 1 && (msg[0] == vpcdPowerOn || msg[0] == vpcdReset):
			c.app.Reset()
		case len(msg) == 1 && msg[0] == vpcdPowerOff:
		case len(msg) == 1 && msg[0] == vpcdGetATR:
			reply = c.app.ATR()
		case len(msg) == 1:
			c.mu.Unlock()
			c.err = fmt.Errorf("sim: vpcd sent unknown control command 0x%02X", msg[0])
			c.conn.Close()
			return
		default:
			reply = c.app.Process(msg)
		}
		c.mu.Unlock()
		if reply == nil {
			continue
		}
		if err := writeVPCD(c.conn, reply); err != nil {
			c.err = err
			return
		}
	}
}

// maxVPCDMessage bounds one message (an extended APDU and then some).
const maxVPCDMessage = 65536 + 16

func readVPCD(r io.Reader) ([]byte, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint16(hdr[:]))
	if n == 0 {
		return nil, errors.New("sim: vpcd sent an empty message")
	}
	msg := make([]byte, n)
	if _, err := io.ReadFull(r, msg); err != nil {
		return nil, fmt.Errorf("sim: vpcd message cut short: %w", err)
	}
	return msg, nil
}

func writeVPCD(w io.Writer, msg []byte) error {
	if len(msg) > 0xFFFF {
		return fmt.Errorf("sim: card reply of %d bytes is too long for vpcd", len(msg))
	}
	buf := binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(msg)), uint16(len(msg)))
	_, err := w.Write(append(buf, msg...))
	return err
}
