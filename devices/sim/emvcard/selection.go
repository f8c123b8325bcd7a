package emvcard

import (
	"bytes"

	"tilldesk/core/emv/tags"
	"tilldesk/core/emv/tlv"
)

// The directory names of EMV Book 1 12.2.2 and EMV Book B: the Payment System
// Environment (contact) and the Proximity PSE (contactless).
var (
	pseName  = []byte("1PAY.SYS.DDF01")
	ppseName = []byte("2PAY.SYS.DDF01")
)

// sfiDirectory is the SFI of the PSE's directory records.
const sfiDirectory = 1

// offered lists the applications the card offers on the session's interface.
func (c *Card) offered() []*application {
	var out []*application
	for _, a := range c.apps {
		if (c.s.iface == Contact && a.cfg.Contact) || (c.s.iface == Contactless && a.cfg.Contactless) {
			out = append(out, a)
		}
	}
	return out
}

// selectFile is SELECT by DF name (P1 04): the PSE on contact, the PPSE on
// contactless, or an application by full or partial AID, first (P2 00) or next
// occurrence (P2 02). Selecting ends any transaction in progress.
func (c *Card) selectFile(cmd command) []byte {
	if cmd.p1 != 0x04 || (cmd.p2 != 0x00 && cmd.p2 != 0x02) {
		return status(swWrongP1P2)
	}
	if !cmd.hasData || len(cmd.data) > 16 {
		return status(swWrongLength)
	}
	name := cmd.data
	iface := c.s.iface
	prevName, prevIndex := c.s.selName, c.s.selIndex
	c.s = session{iface: iface, selName: bytes.Clone(name), selIndex: -1}
	apps := c.offered()
	if len(apps) == 0 {
		return status(swFileNotFound)
	}
	switch {
	case bytes.Equal(name, pseName) && iface == Contact, bytes.Equal(name, ppseName) && iface == Contactless:
		c.s.directory = true
		return c.directoryFCI(name, apps)
	case len(name) < 5:
		return status(swFileNotFound)
	}
	start := 0
	if cmd.p2 == 0x02 && bytes.Equal(prevName, name) {
		start = prevIndex + 1
	}
	for i := start; i < len(apps); i++ {
		if bytes.HasPrefix(apps[i].cfg.AID, name) {
			c.s.app, c.s.selIndex = apps[i], i
			sw := uint16(swOK)
			if apps[i].blocked {
				sw = swFileInvalidated
			}
			return respond(c.applicationFCI(apps[i]), sw)
		}
	}
	return status(swFileNotFound)
}

// directoryEntry is an application's entry in a directory (template 61).
func directoryEntry(a *application) tlv.TLV {
	return tlv.NewTemplate(tags.ApplicationTemplate,
		tlv.New(tags.ApplicationIdentifierCard, a.cfg.AID),
		tlv.New(tags.ApplicationLabel, []byte(a.cfg.Label)),
		tlv.New(tags.ApplicationPriorityIndicator, []byte{a.cfg.Priority}))
}

// directoryFCI is the PSE's FCI (naming the SFI of its directory records) or the
// PPSE's (holding the directory itself).
func (c *Card) directoryFCI(name []byte, apps []*application) []byte {
	var proprietary tlv.TLV
	if c.s.iface == Contact {
		proprietary = tlv.NewTemplate(tags.FCIProprietaryTemplate,
			tlv.New(tags.ShortFileIdentifier, []byte{sfiDirectory}),
			tlv.New(tags.LanguagePreference, []byte("zhen")))
	} else {
		var entries []tlv.TLV
		for _, a := range apps {
			entries = append(entries, directoryEntry(a))
		}
		proprietary = tlv.NewTemplate(tags.FCIProprietaryTemplate, tlv.NewTemplate(tags.FCIIssuerDiscretionaryData, entries...))
	}
	return respondTLV(tlv.NewTemplate(tags.FCITemplate, tlv.New(tags.DFName, name), proprietary))
}

// applicationFCI is an application's FCI: DF name, label, priority, the PDOL of the
// interface, language and code table, preferred name.
func (c *Card) applicationFCI(a *application) []byte {
	proprietary := []tlv.TLV{
		tlv.New(tags.ApplicationLabel, []byte(a.cfg.Label)),
		tlv.New(tags.ApplicationPriorityIndicator, []byte{a.cfg.Priority}),
	}
	if pdol := a.pdol(c.s.iface); len(pdol) > 0 {
		proprietary = append(proprietary, tlv.New(tags.PDOL, pdol))
	}
	proprietary = append(proprietary, tlv.New(tags.LanguagePreference, []byte("zhen")), tlv.New(tags.IssuerCodeTableIndex, []byte{0x01}))
	if a.cfg.PreferredName != "" {
		proprietary = append(proprietary, tlv.New(tags.ApplicationPreferredName, []byte(a.cfg.PreferredName)))
	}
	fci := tlv.NewTemplate(tags.FCITemplate, tlv.New(tags.DFName, a.cfg.AID), tlv.NewTemplate(tags.FCIProprietaryTemplate, proprietary...))
	out, _ := fci.Encode() // tags are constants and lengths small: cannot fail
	return out
}

// pdol is the application's PDOL on an interface.
func (a *application) pdol(iface Interface) []byte {
	if iface == Contactless {
		return a.cfg.ContactlessPDOL
	}
	return a.cfg.PDOL
}

// readRecord is READ RECORD (P2 = SFI << 3 | 4): a directory record of the PSE, or a
// record of the selected application on this interface.
func (c *Card) readRecord(cmd command) []byte {
	if cmd.p2&0x07 != 0x04 || cmd.p1 == 0 {
		return status(swWrongP1P2)
	}
	sfi := cmd.p2 >> 3
	switch {
	case c.s.directory && c.s.iface == Contact:
		if sfi != sfiDirectory {
			return status(swFileNotFound)
		}
		if cmd.p1 != 1 {
			return status(swRecordNotFound)
		}
		var entries []tlv.TLV
		for _, a := range c.offered() {
			entries = append(entries, directoryEntry(a))
		}
		return respondTLV(tlv.NewTemplate(tags.ReadRecordResponseTemplate, entries...))
	case c.s.app == nil:
		return status(swConditionsNotMet)
	}
	f := c.s.app.files[c.s.iface]
	if rec, ok := f.records[recordID{sfi, cmd.p1}]; ok {
		return respond(rec, swOK)
	}
	if _, ok := f.records[recordID{sfi, 1}]; ok {
		return status(swRecordNotFound)
	}
	return status(swFileNotFound)
}

// respondTLV encodes a data object as a successful response.
func respondTLV(objs ...tlv.TLV) []byte {
	out, err := tlv.Encode(objs...)
	if err != nil {
		return status(swWrongData)
	}
	return respond(out, swOK)
}
