package crt

import (
	"errors"
	"fmt"

	"tilldesk/devices"
	"tilldesk/devices/seriallink"
)

// Control bytes and packet delimiters (F3 manual p. 4).
const (
	STX = 0xF2           // start of a packet
	ETX = 0x03           // end of a packet's text
	EOT = seriallink.EOT // 04H: the host discontinues a command
	ACK = seriallink.ACK // 06H: packet received with a good BCC
	NAK = seriallink.NAK // 15H: packet received corrupt: send it again
)

// Packet headers: the first byte of a packet's text.
const (
	HeaderCommand  = 'C' // from the host
	HeaderPositive = 'P' // the reader did it: st0 st1 st2 and data follow
	HeaderNegative = 'N' // the reader could not: e1 e0 and data follow
)

// Size limits (F3 manual p. 4): DATA is 0 to 512 bytes; a whole packet is at most
// 1024 bytes.
const (
	MaxData   = 512
	MaxPacket = 1024
	// MaxText is the longest text: a packet less STX, ADDR, LENH, LENL, ETX and BCC.
	MaxText = MaxPacket - 6
	// DefaultAddress is a reader with factory settings (F3 manual p. 6: "#0").
	DefaultAddress = 0x0F
)

// Frame is one packet: the reader's address and the text (header, CM, PM, and the
// rest), without the delimiters, length and BCC.
type Frame struct {
	Address byte
	Text    []byte
}

// String names the packet by header, command and size. It never shows the data,
// which may be an APDU with card data, so frames are safe to log.
func (f Frame) String() string {
	if len(f.Text) < 3 {
		return fmt.Sprintf("packet of %d bytes", len(f.Text))
	}
	return fmt.Sprintf("packet %c %02X %02X, %d bytes", printableHeader(f.Text[0]), f.Text[1], f.Text[2], len(f.Text))
}

// Unit is what the manual calls a frame: "packet".
func (Frame) Unit() string { return "packet" }

func printableHeader(b byte) byte {
	if b < 0x20 || b > 0x7E {
		return '?'
	}
	return b
}

// ErrText is returned by Encode for a text the protocol cannot carry.
var ErrText = errors.New("crt: text cannot be framed")

// BCC is the check byte: the XOR of every byte from STX to ETX.
func BCC(packet []byte) byte {
	var bcc byte
	for _, b := range packet {
		bcc ^= b
	}
	return bcc
}

// Encode frames a text: STX, address, length, text, ETX, BCC. The text must be 1 to
// MaxText bytes.
func Encode(f Frame) ([]byte, error) {
	if len(f.Text) == 0 || len(f.Text) > MaxText {
		return nil, fmt.Errorf("%w: %d bytes, want 1 to %d", ErrText, len(f.Text), MaxText)
	}
	out := make([]byte, 0, len(f.Text)+6)
	out = append(out, STX, f.Address, byte(len(f.Text)>>8), byte(len(f.Text)))
	out = append(out, f.Text...)
	out = append(out, ETX)
	return append(out, BCC(out)), nil
}

// ErrPacket is wrapped by every parse error: the text is not a packet of the kind
// expected. It wraps devices.ErrProtocol.
var ErrPacket = fmt.Errorf("crt: malformed packet: %w", devices.ErrProtocol)

// Command is a host command: command byte CM, parameter PM and data.
type Command struct {
	Address byte
	CM, PM  byte
	Data    []byte
}

// Frame is the command's packet.
func (c Command) Frame() Frame {
	text := append([]byte{HeaderCommand, c.CM, c.PM}, c.Data...)
	return Frame{Address: c.Address, Text: text}
}

// ParseCommand reads a host command from a packet.
func ParseCommand(f Frame) (Command, error) {
	if len(f.Text) < 3 || f.Text[0] != HeaderCommand {
		return Command{}, fmt.Errorf("%w: not a command (%v)", ErrPacket, f)
	}
	if len(f.Text)-3 > MaxData {
		return Command{}, fmt.Errorf("%w: %d bytes of data", ErrPacket, len(f.Text)-3)
	}
	return Command{Address: f.Address, CM: f.Text[1], PM: f.Text[2], Data: append([]byte(nil), f.Text[3:]...)}, nil
}

// Status is the reader's st0 st1 st2, ASCII digits.
type Status [3]byte

// Card positions in st0.
const (
	NoCard       = '0' // nothing in the slot
	CardAtGate   = '1' // a card at the entrance, not fully in
	CardInReader = '2' // a card in the reading position
)

// CardIn reports whether a card is in the reading position.
func (s Status) CardIn() bool { return s[0] == CardInReader }

// ErrorCode is a negative response's e1 e0, two ASCII characters ("60").
type ErrorCode [2]byte

// The error codes the F3 manual gives for chip cards (p. 16-19).
var (
	CodePowerFailure   = ErrorCode{'6', '0'} // the card lost power: pulled out, or faulty
	CodeWrongProtocol  = ErrorCode{'6', '2'} // a T=0 command to a T=1 card or the reverse
	CodeNoAnswer       = ErrorCode{'6', '3'} // the card did not answer within its waiting time
	CodeProtocolError  = ErrorCode{'6', '4'} // a transport error: the reader deactivated the card
	CodeNotActivated   = ErrorCode{'6', '5'} // no card powered on
	CodeATRNotEMV      = ErrorCode{'6', '9'} // the ATR breaks the EMV rules
	CodeUndefinedCmd   = ErrorCode{'0', '0'} // a command the reader does not have
	CodeParameterError = ErrorCode{'0', '1'} // a parameter it does not take
)

// String is the code as the manual writes it.
func (c ErrorCode) String() string {
	return string(printableHeader(c[0])) + string(printableHeader(c[1]))
}

// Response is the reader's answer to a command.
type Response struct {
	Address  byte
	Positive bool
	CM, PM   byte
	Status   Status    // positive responses
	Error    ErrorCode // negative responses
	Data     []byte
}

// Frame is the response's packet.
func (r Response) Frame() Frame {
	text := []byte{HeaderNegative, r.CM, r.PM, r.Error[0], r.Error[1]}
	if r.Positive {
		text = []byte{HeaderPositive, r.CM, r.PM, r.Status[0], r.Status[1], r.Status[2]}
	}
	return Frame{Address: r.Address, Text: append(text, r.Data...)}
}

// ParseResponse reads a reader's response from a packet.
func ParseResponse(f Frame) (Response, error) {
	t := f.Text
	switch {
	case len(t) >= 6 && t[0] == HeaderPositive:
		r := Response{Address: f.Address, Positive: true, CM: t[1], PM: t[2], Status: Status(t[3:6]), Data: append([]byte(nil), t[6:]...)}
		return r, checkData(r)
	case len(t) >= 5 && t[0] == HeaderNegative:
		r := Response{Address: f.Address, CM: t[1], PM: t[2], Error: ErrorCode(t[3:5]), Data: append([]byte(nil), t[5:]...)}
		return r, checkData(r)
	}
	return Response{}, fmt.Errorf("%w: not a response (%v)", ErrPacket, f)
}

func checkData(r Response) error {
	if len(r.Data) > MaxData {
		return fmt.Errorf("%w: %d bytes of data", ErrPacket, len(r.Data))
	}
	return nil
}
