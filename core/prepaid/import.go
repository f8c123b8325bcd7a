package prepaid

import (
	"encoding/json"
	"fmt"
	"strconv"

	"tilldesk/core/journal"
	"tilldesk/core/money"
)

// A terminal that is retired clears its journal, and with it the ledger, only after a
// verified backup holds it. The replacement terminal imports the ledger from that
// backup: every card is re-created with its balance, status, expiry, PIN hash and
// contactless UID as one "import" movement that names the backup (Source), so the
// customers' balances survive the swap and the audit trail leads back to the old
// journal. Importing again moves nothing.

// ImportResult says what an import did.
type ImportResult struct {
	Cards     int          // cards in the backup
	Imported  int          // re-created now
	Already   int          // imported before from the same backup
	Liability money.Amount // the backup's liability, now this ledger's too
}

// importID is the request ID of one card's import from a backup.
func importID(src Source, card string) string {
	return "import/" + src.BackupSHA256[:min(16, len(src.BackupSHA256))] + "/" + cardKey(card)
}

// Import re-creates the ledger held in from (a backup's journal, read-only) in this
// one. The backup's ledger must verify and hold no pending payment. Cards whose number
// or UID is already used here, other than by an earlier import of the same backup,
// stop the import before anything is written.
func (l *Ledger) Import(from *journal.Journal, src Source) (ImportResult, error) {
	var res ImportResult
	if src.BackupSHA256 == "" {
		return res, fmt.Errorf("%w: an import must name its backup", ErrBadRequest)
	}
	v, err := VerifyJournal(from)
	if err != nil {
		return res, fmt.Errorf("import: the backup's ledger: %w", err)
	}
	if v.Pending > 0 {
		return res, fmt.Errorf("import: the backup holds %d payments of unfinished sales: %w", v.Pending, ErrPending)
	}
	var cards []Account
	err = from.EachState(BucketAccounts, func(_ string, raw []byte) error {
		var a Account
		if err := json.Unmarshal(raw, &a); err != nil {
			return fmt.Errorf("import: account unreadable: %w", ErrInconsistent)
		}
		cards = append(cards, a)
		return nil
	})
	if err != nil {
		return res, err
	}
	res.Cards, res.Liability = len(cards), v.Liability
	var todo []Account
	for _, a := range cards {
		done, err := l.importedBefore(a, src)
		if err != nil {
			return res, err
		}
		if done {
			res.Already++
		} else {
			todo = append(todo, a)
		}
	}
	for _, a := range todo {
		if _, err := l.run(Import, func(tx *Tx) (Movement, error) { return tx.importAccount(a, src) }); err != nil {
			return res, fmt.Errorf("import: card %s: %w", a.Masked(), err)
		}
		res.Imported++
	}
	return res, l.importSerial(from)
}

// importedBefore reports whether a was imported from src already, and refuses a card
// number or UID used here otherwise.
func (l *Ledger) importedBefore(a Account, src Source) (bool, error) {
	tx := l.Begin()
	defer tx.Abort()
	if r, err := tx.request(importID(src, a.Number)); err != nil || r != nil {
		return r != nil, err
	}
	if taken, err := tx.exists(a.Number); err != nil || taken {
		return false, fmt.Errorf("import: card %s: %w", a.Masked(), orErr(err, ErrCardExists))
	}
	if by, err := tx.reservedBy(a.Number); err != nil || by != "" {
		return false, fmt.Errorf("import: card %s is being sold here: %w", a.Masked(), orErr(err, ErrCardExists))
	}
	if a.UID != "" {
		if err := tx.freeUID(a.UID, a.Number); err != nil {
			return false, fmt.Errorf("import: card %s: %w", a.Masked(), err)
		}
	}
	return false, nil
}

// importAccount re-creates one account with an opening movement.
func (tx *Tx) importAccount(a Account, src Source) (Movement, error) {
	id := importID(src, a.Number)
	key := requestKey(Import, a.Number, int64(a.Balance), src.BackupSHA256)
	if m, done, err := tx.replay(id, key); done || err != nil {
		return m, err
	}
	if taken, err := tx.exists(a.Number); err != nil || taken {
		return Movement{}, orErr(err, ErrCardExists)
	}
	if a.UID != "" {
		if err := tx.freeUID(a.UID, a.Number); err != nil {
			return Movement{}, err
		}
		tx.uids[a.UID] = a.Number
	}
	acct := Account{Number: a.Number, Status: a.Status, Expires: a.Expires, Created: a.Created, UID: a.UID, PINHash: a.PINHash}
	s := src
	return tx.move(acct, Movement{ID: id, Kind: Import, Amount: a.Balance, Expires: a.Expires, UID: a.UID, Source: &s}, key)
}

// importSerial moves this ledger's serial number past the backup's, so cards issued
// here never take a number the old terminal gave out.
func (l *Ledger) importSerial(from *journal.Journal) error {
	theirs, err := from.GetState(BucketMeta, keySerial)
	if err != nil || theirs == nil {
		return err
	}
	tx := l.Begin()
	defer tx.Abort()
	ours, err := tx.j.GetState(BucketMeta, keySerial)
	if err != nil {
		return err
	}
	a, _ := strconv.ParseUint(string(theirs), 10, 64)
	b, _ := strconv.ParseUint(string(ours), 10, 64)
	if a <= b {
		return nil
	}
	tx.meta[keySerial] = theirs
	_, err = tx.Commit(Import)
	return err
}
