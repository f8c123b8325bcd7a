package kernel

import (
	"bytes"

	"tilldesk/core/emv/tags"
	"tilldesk/core/emv/tlv"
)

// Issuer script result codes (the high nibble of each 9F5B entry, EMV Book 4
// Annex A5).
const (
	scriptNotPerformed byte = 0x00
	scriptFailed       byte = 0x10
	scriptSuccessful   byte = 0x20
)

// maxScriptCommands bounds one script, so that a hostile response cannot keep the
// card busy.
const maxScriptCommands = 32

// runScripts is EMV Book 3 10.10: every template of the given tag (71 before the
// second GENERATE AC, 72 after) is a script of issuer commands (86), sent in order
// until one fails (a status other than 90xx, 62xx or 63xx), which raises the TVR
// bit and ends that script. Each script adds five bytes to the Issuer Script
// Results (9F5B): result and failing command number, then the script identifier.
// Only a card communication error ends the transaction.
func (s *session) runScripts(raw []byte, template tlv.Tag, failed Bit) error {
	if len(raw) == 0 {
		return nil
	}
	objs, err := tlv.Decode(raw)
	if err != nil {
		s.tsi.Set(TSIScriptProcessing)
		s.tvr.Set(failed)
		s.scriptResults = append(s.scriptResults, scriptFailed, 0, 0, 0, 0)
		return nil
	}
	for _, obj := range objs {
		if obj.Tag != template {
			continue
		}
		s.tsi.Set(TSIScriptProcessing)
		result, err := s.runScript(obj.Children)
		if err != nil {
			return err
		}
		if result&0xF0 == scriptFailed {
			s.tvr.Set(failed)
		}
		id := [4]byte{}
		if v, ok := tlv.Value(obj.Children, tags.IssuerScriptIdentifier); ok && len(v) == 4 {
			id = [4]byte(v)
		}
		s.scriptResults = append(s.scriptResults, result, id[0], id[1], id[2], id[3])
	}
	return nil
}

// runScript sends one script's commands and returns its 9F5B result byte.
func (s *session) runScript(children []tlv.TLV) (byte, error) {
	n := 0
	for _, c := range children {
		if c.Tag != tags.IssuerScriptCommand {
			continue
		}
		n++
		if n > maxScriptCommands || len(c.Value) < 4 {
			return scriptFailed | seqNibble(n), nil
		}
		_, sw, err := transmit(s.card, "issuer script command", bytes.Clone(c.Value))
		if err != nil {
			return 0, err
		}
		if !(sw.SW1() == 0x90 || sw.Warning()) {
			return scriptFailed | seqNibble(n), nil
		}
	}
	if n == 0 {
		return scriptNotPerformed, nil
	}
	return scriptSuccessful, nil
}

// seqNibble is the failing command's number, 15 for the fifteenth and later.
func seqNibble(n int) byte {
	if n > 15 {
		return 0x0F
	}
	return byte(n)
}
