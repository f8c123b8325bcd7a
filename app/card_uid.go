package app

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"

	"tilldesk/devices/cardreader"
)

// ReadUID waits for a card tapped on the reader connected now and returns its
// contactless UID in upper-case hex (the form prepaid cards are linked by), then powers
// that card down. An inserted card is left alone until it is taken out; no reader
// gives ErrCardReaderMissing; ctx ending first, its error.
func (r *CardReaderSlot) ReadUID(ctx context.Context) (string, error) {
	c, err := r.waitOn(ctx, (*cardreader.Service).WaitTap)
	if err != nil {
		return "", err
	}
	defer func() { _ = c.Close() }() // this card only: never one a payment took since
	uid, err := c.UID()
	if err != nil {
		return "", fmt.Errorf("read UID: %w", err)
	}
	return strings.ToUpper(hex.EncodeToString(uid)), nil
}
