package kernel

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"

	"tilldesk/core/emv/tags"
	"tilldesk/core/emv/tlv"
)

// Directory names (EMV Book 1 12.2.2 and EMV Book B).
var (
	pseName  = []byte("1PAY.SYS.DDF01")
	ppseName = []byte("2PAY.SYS.DDF01")
)

// ErrCardBlocked: the card answered SELECT with 6A81 (EMV Book 1 12.3.2).
var ErrCardBlocked = errors.New("card blocked or SELECT not supported")

// ErrNoApplication: the card has no application the terminal supports (or the
// cardholder chose none).
var ErrNoApplication = errors.New("no supported application on the card")

// candidate is a Candidate with the terminal's entry for it.
type candidate struct {
	Candidate
	config AIDConfig
	order  int // discovery order, to keep sorting stable
}

// buildCandidateList is EMV Book 1 12.3: the PSE method, and the list of AIDs
// method when the PSE is absent, blocked or gives nothing. The list comes back
// ordered by priority.
func (s *session) buildCandidateList() ([]candidate, error) {
	list, err := s.candidatesFromPSE()
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		if list, err = s.candidatesFromAIDList(); err != nil {
			return nil, err
		}
	}
	if len(list) == 0 {
		return nil, ErrNoApplication
	}
	sortCandidates(list)
	return list, nil
}

// candidatesFromPSE selects 1PAY.SYS.DDF01 and reads its directory records. A card
// without a usable PSE yields no candidates and no error; a blocked card (6A81)
// ends the transaction.
func (s *session) candidatesFromPSE() ([]candidate, error) {
	fciBytes, sw, err := exchange(s.card, selectCommand(pseName, false))
	if err != nil {
		return nil, fmt.Errorf("select PSE: %w", err)
	}
	if sw == SWFunctionNotSupported {
		return nil, fmt.Errorf("select PSE: %w", ErrCardBlocked)
	}
	if !sw.Success() {
		return nil, nil // not found, or blocked (6283): list of AIDs
	}
	fci, err := tlv.Decode(fciBytes)
	if err != nil {
		return nil, nil // a PSE the terminal cannot read is treated as absent
	}
	sfi, ok := tlv.FindPath(fci, tags.FCITemplate, tags.FCIProprietaryTemplate, tags.ShortFileIdentifier)
	if !ok || len(sfi.Value) != 1 || sfi.Value[0] < 1 || sfi.Value[0] > 30 {
		return nil, nil
	}
	var list []candidate
	for record := byte(1); record != 0; record++ {
		data, sw, err := exchange(s.card, readRecordCommand(sfi.Value[0], record))
		if err != nil {
			return nil, fmt.Errorf("read PSE directory: %w", err)
		}
		if sw == SWRecordNotFound {
			break
		}
		if !sw.Success() {
			return nil, nil // the directory is unusable: list of AIDs instead
		}
		objs, err := tlv.Decode(data)
		if err != nil || len(objs) != 1 || objs[0].Tag != tags.ReadRecordResponseTemplate {
			return nil, nil
		}
		for _, entry := range objs[0].Children {
			if entry.Tag != tags.ApplicationTemplate {
				continue
			}
			if c, ok := s.candidateFromEntry(entry.Children, len(list)); ok {
				list = append(list, c)
			}
		}
	}
	return list, nil
}

// candidateFromEntry turns a directory entry (61 template) or an FCI proprietary
// template into a candidate, if the terminal supports its AID.
func (s *session) candidateFromEntry(entry []tlv.TLV, order int) (candidate, bool) {
	aid, ok := tlv.Value(entry, tags.ApplicationIdentifierCard)
	if !ok {
		return candidate{}, false
	}
	return s.candidateFor(aid, entry, order)
}

// candidateFor builds a candidate for a card AID from the entry's label, preferred
// name and priority, if the terminal supports the AID.
func (s *session) candidateFor(aid []byte, entry []tlv.TLV, order int) (candidate, bool) {
	conf, ok := s.cfg.aidFor(aid)
	if !ok || len(aid) < 5 || len(aid) > 16 {
		return candidate{}, false
	}
	c := candidate{config: conf, order: order}
	c.AID = bytes.Clone(aid)
	if label, ok := tlv.Value(entry, tags.ApplicationLabel); ok {
		c.Label = printable(label)
	}
	if c.Label == "" {
		c.Label = conf.Label
	}
	if table, ok := tlv.Value(entry, tags.IssuerCodeTableIndex); ok && len(table) == 1 && table[0] == 0x01 {
		if name, ok := tlv.Value(entry, tags.ApplicationPreferredName); ok {
			c.PreferredName = latin1(name)
		}
	}
	if api, ok := tlv.Value(entry, tags.ApplicationPriorityIndicator); ok && len(api) == 1 {
		c.Priority = api[0] & 0x0F
		c.ConfirmationRequired = api[0]&0x80 != 0
	}
	return c, true
}

// candidatesFromAIDList is the list of AIDs method (EMV Book 1 12.3.3): SELECT each
// terminal AID; with partial selection allowed, SELECT next occurrence until the
// card has no more.
func (s *session) candidatesFromAIDList() ([]candidate, error) {
	var list []candidate
	for _, conf := range s.cfg.AIDs {
		next := false
		for round := 0; round < 16; round++ {
			fciBytes, sw, err := exchange(s.card, selectCommand(conf.AID, next))
			if err != nil {
				return nil, fmt.Errorf("select %X: %w", conf.AID, err)
			}
			if sw == SWFunctionNotSupported && !next {
				return nil, fmt.Errorf("select %X: %w", conf.AID, ErrCardBlocked)
			}
			if !sw.Success() && sw != SWFileDeactivated {
				break
			}
			dfName, entry, ok := parseFCI(fciBytes)
			if !ok {
				break
			}
			exact := bytes.Equal(dfName, conf.AID)
			partial := !exact && len(dfName) > len(conf.AID) && bytes.HasPrefix(dfName, conf.AID)
			if sw.Success() && (exact || (partial && conf.PartialSelection)) {
				if c, ok := s.candidateFor(dfName, entry, len(list)); ok {
					list = append(list, c)
				}
			}
			if exact || !conf.PartialSelection {
				break
			}
			next = true
		}
	}
	return list, nil
}

// parseFCI reads an application's FCI: 6F holding 84 (the DF name) and A5 (the
// proprietary template). ok is false when either is missing.
func parseFCI(data []byte) (dfName []byte, proprietary []tlv.TLV, ok bool) {
	objs, err := tlv.Decode(data)
	if err != nil || len(objs) == 0 || objs[0].Tag != tags.FCITemplate {
		return nil, nil, false
	}
	name, ok := tlv.FindPath(objs, tags.FCITemplate, tags.DFName)
	if !ok {
		return nil, nil, false
	}
	a5, ok := tlv.FindPath(objs, tags.FCITemplate, tags.FCIProprietaryTemplate)
	if !ok {
		return nil, nil, false
	}
	return name.Value, a5.Children, true
}

// sortCandidates orders by priority (1 highest, no priority last), keeping discovery
// order among equals (EMV Book 1 12.4).
func sortCandidates(list []candidate) {
	sort.SliceStable(list, func(i, j int) bool {
		pi, pj := list[i].Priority, list[j].Priority
		if pi == 0 {
			pi = 16
		}
		if pj == 0 {
			pj = 16
		}
		if pi != pj {
			return pi < pj
		}
		return list[i].order < list[j].order
	})
}

// finalSelection picks an application (asking the cardholder when there is a
// choice or a confirmation to make), SELECTs it and keeps its FCI. A candidate the
// card will not select is removed and the choice made again (EMV Book 1 12.4).
func (s *session) finalSelection(list *[]candidate, askCardholder bool) error {
	for len(*list) > 0 {
		if err := s.checkCancelled(); err != nil {
			return err
		}
		i, err := s.choose(*list, askCardholder)
		if err != nil {
			return err
		}
		c := (*list)[i]
		*list = append((*list)[:i:i], (*list)[i+1:]...)
		fciBytes, sw, err := exchange(s.card, selectCommand(c.AID, false))
		if err != nil {
			return fmt.Errorf("final select %X: %w", c.AID, err)
		}
		if !sw.Success() {
			continue
		}
		dfName, _, ok := parseFCI(fciBytes)
		if !ok || !bytes.Equal(dfName, c.AID) {
			continue
		}
		fci, _ := tlv.Decode(fciBytes)
		s.icc = cardData{}
		if err := s.icc.addPrimitives(fci, false); err != nil {
			continue
		}
		s.fci, s.selected, s.aid = fci, c.Candidate, c.config
		return nil
	}
	return ErrNoApplication
}

// choose returns the index of the candidate to try. Without a chooser (or on a
// tap, where nobody is asked), candidates needing confirmation are passed over (EMV Book 1 12.4, terminals that do not
// offer confirmation).
func (s *session) choose(list []candidate, askCardholder bool) (int, error) {
	if s.k.opts.Chooser == nil || !askCardholder {
		for i, c := range list {
			if !c.ConfirmationRequired {
				return i, nil
			}
		}
		return 0, ErrNoApplication
	}
	if len(list) == 1 && !list[0].ConfirmationRequired {
		return 0, nil
	}
	offered := make([]Candidate, len(list))
	for i, c := range list {
		offered[i] = c.Candidate
	}
	i, err := s.k.opts.Chooser(s.ctx, offered)
	if err != nil {
		return 0, fmt.Errorf("application selection: %w", err)
	}
	if i < 0 || i >= len(list) {
		return 0, fmt.Errorf("application selection: chooser returned %d of %d: %w", i, len(list), ErrNoApplication)
	}
	return i, nil
}

// printable keeps the printable ASCII of an ans element.
func printable(b []byte) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7E {
			return -1
		}
		return r
	}, string(b))
}

// latin1 decodes ISO/IEC 8859-1 (code table 1), dropping control characters.
func latin1(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		if c >= 0x20 && c != 0x7F && (c < 0x80 || c >= 0xA0) {
			sb.WriteRune(rune(c))
		}
	}
	return sb.String()
}
