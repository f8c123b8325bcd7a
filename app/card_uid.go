package app

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"

	"tilldesk/devices/cardreader"
)

// ReadUID waits for a card tapped on the reader connected now and returns its
// contactless UID in upper-case hex (the form prepaid cards are linked by), then lets
// the card go. An inserted card gives an error wrapping cardreader.ErrNoUID; no
// reader, ErrCardReaderMissing; ctx ending first, its error.
func (r *CardReaderSlot) ReadUID(ctx context.Context) (string, error) {
	card, _, err := r.PresentCard(ctx, true)
	if err != nil {
		return "", err
	}
	defer func() { _ = r.Release() }()
	c, ok := card.(*cardreader.Card)
	if !ok {
		return "", fmt.Errorf("read UID: %w", cardreader.ErrNoUID)
	}
	uid, err := c.UID()
	if err != nil {
		return "", fmt.Errorf("read UID: %w", err)
	}
	return strings.ToUpper(hex.EncodeToString(uid)), nil
}
