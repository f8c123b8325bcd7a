package reports

import (
	"errors"
	"fmt"

	"tilldesk/core/money"
)

// Denomination is a CNY note or coin, named by its value in yuan ("100", "0.5"); the
// one-yuan coin is "1c", beside the one-yuan note "1".
type Denomination string

// The CNY denominations counted in a drawer.
const (
	Note100 Denomination = "100"
	Note50  Denomination = "50"
	Note20  Denomination = "20"
	Note10  Denomination = "10"
	Note5   Denomination = "5"
	Note1   Denomination = "1"
	Coin1   Denomination = "1c"
	Jiao5   Denomination = "0.5"
	Jiao1   Denomination = "0.1"
	Fen5    Denomination = "0.05"
	Fen2    Denomination = "0.02"
	Fen1    Denomination = "0.01"
)

// Denominations lists the denominations largest first, as a counting sheet does.
var Denominations = []Denomination{Note100, Note50, Note20, Note10, Note5, Note1, Coin1, Jiao5, Jiao1, Fen5, Fen2, Fen1}

var denominationValues = map[Denomination]money.Amount{
	Note100: 10000, Note50: 5000, Note20: 2000, Note10: 1000, Note5: 500, Note1: 100,
	Coin1: 100, Jiao5: 50, Jiao1: 10, Fen5: 5, Fen2: 2, Fen1: 1,
}

// Value is what one piece is worth (0 for an unknown denomination).
func (d Denomination) Value() money.Amount { return denominationValues[d] }

// Coin reports whether d is counted as a coin (the one-yuan coin and everything
// smaller; 5 and 1 jiao also exist as notes but are counted together).
func (d Denomination) Coin() bool { return d.Value() <= 100 && d != Note1 }

// MaxPieces bounds the count of one denomination, so a count's total stays far below
// money.MaxAmount.
const MaxPieces = 99_999

// ErrCount is returned for a count with an unknown denomination or an impossible
// number of pieces.
var ErrCount = errors.New("invalid cash count")

// Count is a drawer count: pieces per denomination. Missing denominations count zero.
type Count map[Denomination]int

// Total is what the counted cash is worth.
func (c Count) Total() money.Amount {
	var t money.Amount
	for d, n := range c {
		t += d.Value() * money.Amount(n)
	}
	return t
}

// Check refuses unknown denominations and counts below zero or above MaxPieces.
func (c Count) Check() error {
	for d, n := range c {
		if d.Value() == 0 {
			return fmt.Errorf("reports: denomination %q: %w", d, ErrCount)
		}
		if n < 0 || n > MaxPieces {
			return fmt.Errorf("reports: %d pieces of %s: %w", n, d, ErrCount)
		}
	}
	return nil
}
