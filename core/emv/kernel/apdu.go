package kernel

import (
	"errors"
	"fmt"
)

// Card is the kernel's view of the chip: one command APDU in, one response APDU
// (data and status word) out. *pcsc.Card satisfies it. A card taken out mid-way
// shows up as the error Transmit returns, which the kernel passes on wrapped.
type Card interface {
	Transmit(apdu []byte) ([]byte, error)
}

// StatusWord is SW1 SW2 of a response APDU.
type StatusWord uint16

// Status words the kernel acts on (ISO/IEC 7816-4, EMV Book 1 9.4 and Book 3 6.3.5).
const (
	SWSuccess              StatusWord = 0x9000
	SWFileDeactivated      StatusWord = 0x6283 // selected file deactivated (application blocked)
	SWAuthMethodBlocked    StatusWord = 0x6983
	SWDataInvalid          StatusWord = 0x6984
	SWConditionsNotMet     StatusWord = 0x6985
	SWFunctionNotSupported StatusWord = 0x6A81 // card blocked, or the command not supported
	SWFileNotFound         StatusWord = 0x6A82
	SWRecordNotFound       StatusWord = 0x6A83
	SWReferenceNotFound    StatusWord = 0x6A88
	SWInsNotSupported      StatusWord = 0x6D00
)

// SW1 and SW2 are the two bytes.
func (sw StatusWord) SW1() byte { return byte(sw >> 8) }

// SW2 is the second byte.
func (sw StatusWord) SW2() byte { return byte(sw) }

// String is the status word in hexadecimal ("6A82").
func (sw StatusWord) String() string { return fmt.Sprintf("%04X", uint16(sw)) }

// Success is 9000.
func (sw StatusWord) Success() bool { return sw == SWSuccess }

// Warning is 62xx or 63xx: processed, with a warning (EMV Book 3 treats these as a
// successful issuer script command).
func (sw StatusWord) Warning() bool { return sw.SW1() == 0x62 || sw.SW1() == 0x63 }

// ErrCard is wrapped by every error that comes from the card's transport (the card
// was removed, the reader stopped answering): errors.Is(err, ErrCard).
var ErrCard = errors.New("card communication failed")

// ErrMalformed is wrapped by every error about a response the card should not have
// sent: too short, badly encoded, the wrong template, a data element of the wrong
// length.
var ErrMalformed = errors.New("malformed card response")

// StatusError is a command the card refused with a status word other than 9000.
type StatusError struct {
	Command string
	SW      StatusWord
}

// Error reads like "GENERATE AC: card answered 6985".
func (e *StatusError) Error() string {
	return fmt.Sprintf("%s: card answered %s", e.Command, e.SW)
}

// command is one command APDU. Le is always sent as 00 for commands that expect data
// (EMV Book 1 9.3.1: case 2 and case 4 commands carry Le = 00), which is also what
// the emv-utils recordings show.
type command struct {
	name               string
	cla, ins, p1, p2   byte
	data               []byte
	expectResponseData bool
}

// bytes encodes the command (short Lc/Le only: EMV data never exceeds 255 bytes).
func (c command) bytes() ([]byte, error) {
	if len(c.data) > 255 {
		return nil, fmt.Errorf("%s: %d bytes of command data, at most 255", c.name, len(c.data))
	}
	apdu := []byte{c.cla, c.ins, c.p1, c.p2}
	if len(c.data) > 0 {
		apdu = append(apdu, byte(len(c.data)))
		apdu = append(apdu, c.data...)
	}
	if c.expectResponseData {
		apdu = append(apdu, 0x00)
	}
	return apdu, nil
}

// maxChainedResponses bounds 61xx GET RESPONSE chaining so that a card that keeps
// saying "more" cannot hold the terminal forever.
const maxChainedResponses = 16

// exchange sends a command and returns the response data and status word, handling
// the T=0 conventions of EMV Book 1 9.3.1 that a reader may pass through:
//   - 6Cxx (wrong length): the same command again with Le = xx;
//   - 61xx (more data): GET RESPONSE with Le = xx, the pieces concatenated;
//   - 62xx/63xx with no data to a case 4 command: GET RESPONSE with Le = 00, and the
//     warning is what the caller sees, with the data it fetched.
//
// A transport failure wraps ErrCard; a response under two bytes wraps ErrMalformed.
func exchange(card Card, c command) ([]byte, StatusWord, error) {
	apdu, err := c.bytes()
	if err != nil {
		return nil, 0, err
	}
	data, sw, err := transmitWithLe(card, c.name, apdu, c.expectResponseData)
	if err != nil {
		return nil, 0, err
	}
	if sw.Warning() && len(data) == 0 && c.expectResponseData && len(c.data) > 0 {
		more, moreSW, err := getResponse(card, c.name, 0x00)
		if err != nil {
			return nil, 0, err
		}
		if moreSW.Success() {
			return more, sw, nil
		}
		return nil, sw, nil
	}
	if sw.SW1() != 0x61 {
		return data, sw, nil
	}
	more, sw, err := getResponse(card, c.name, sw.SW2())
	return append(data, more...), sw, err
}

// transmitWithLe sends apdu and, on 6Cxx, sends it again with Le = xx.
func transmitWithLe(card Card, name string, apdu []byte, hasLe bool) ([]byte, StatusWord, error) {
	data, sw, err := transmit(card, name, apdu)
	if err != nil || sw.SW1() != 0x6C {
		return data, sw, err
	}
	retry := append([]byte(nil), apdu...)
	if hasLe {
		retry[len(retry)-1] = sw.SW2()
	} else {
		retry = append(retry, sw.SW2())
	}
	return transmit(card, name, retry)
}

// getResponse fetches what the card holds for the previous command, following 61xx
// and 6Cxx, for at most maxChainedResponses rounds.
func getResponse(card Card, name string, le byte) ([]byte, StatusWord, error) {
	var data []byte
	for i := 0; i < maxChainedResponses; i++ {
		more, sw, err := transmitWithLe(card, name+" (GET RESPONSE)", []byte{0x00, 0xC0, 0x00, 0x00, le}, true)
		if err != nil {
			return nil, 0, err
		}
		data = append(data, more...)
		if sw.SW1() != 0x61 {
			return data, sw, nil
		}
		le = sw.SW2()
	}
	return nil, 0, fmt.Errorf("%s: more than %d GET RESPONSE rounds: %w", name, maxChainedResponses, ErrMalformed)
}

// transmit is one exchange with the transport, split into data and status word.
func transmit(card Card, name string, apdu []byte) ([]byte, StatusWord, error) {
	resp, err := card.Transmit(apdu)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w: %w", name, ErrCard, err)
	}
	if len(resp) < 2 {
		return nil, 0, fmt.Errorf("%s: response of %d bytes has no status word: %w", name, len(resp), ErrMalformed)
	}
	n := len(resp) - 2
	return append([]byte(nil), resp[:n]...), StatusWord(resp[n])<<8 | StatusWord(resp[n+1]), nil
}

// exchangeOK is exchange for commands where only 9000 means success: any other
// status word is a *StatusError.
func exchangeOK(card Card, c command) ([]byte, error) {
	data, sw, err := exchange(card, c)
	if err != nil {
		return nil, err
	}
	if !sw.Success() {
		return nil, &StatusError{Command: c.name, SW: sw}
	}
	return data, nil
}

// The commands of EMV Book 3 6.5.

func selectCommand(name []byte, next bool) command {
	p2 := byte(0x00)
	if next {
		p2 = 0x02
	}
	return command{name: "SELECT", cla: 0x00, ins: 0xA4, p1: 0x04, p2: p2, data: name, expectResponseData: true}
}

func readRecordCommand(sfi, record byte) command {
	return command{name: fmt.Sprintf("READ RECORD (SFI %d, record %d)", sfi, record),
		cla: 0x00, ins: 0xB2, p1: record, p2: sfi<<3 | 0x04, expectResponseData: true}
}

func getProcessingOptionsCommand(pdolData []byte) command {
	data := append([]byte{0x83}, byte(len(pdolData)))
	return command{name: "GET PROCESSING OPTIONS", cla: 0x80, ins: 0xA8, data: append(data, pdolData...), expectResponseData: true}
}

func getDataCommand(tag uint16) command {
	return command{name: fmt.Sprintf("GET DATA %04X", tag), cla: 0x80, ins: 0xCA, p1: byte(tag >> 8), p2: byte(tag), expectResponseData: true}
}

func internalAuthenticateCommand(ddolData []byte) command {
	return command{name: "INTERNAL AUTHENTICATE", cla: 0x00, ins: 0x88, data: ddolData, expectResponseData: true}
}

func generateACCommand(p1 byte, cdolData []byte) command {
	return command{name: "GENERATE AC", cla: 0x80, ins: 0xAE, p1: p1, data: cdolData, expectResponseData: true}
}

func externalAuthenticateCommand(issuerAuthData []byte) command {
	return command{name: "EXTERNAL AUTHENTICATE", cla: 0x00, ins: 0x82, data: issuerAuthData}
}
