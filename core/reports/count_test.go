package reports

import (
	"errors"
	"testing"

	"tilldesk/core/money"
)

func TestCountTotal(t *testing.T) {
	for _, tc := range []struct {
		name  string
		count Count
		want  money.Amount
	}{
		{"empty", nil, 0},
		{"one of each", Count{Note100: 1, Note50: 1, Note20: 1, Note10: 1, Note5: 1, Note1: 1, Coin1: 1,
			Jiao5: 1, Jiao1: 1, Fen5: 1, Fen2: 1, Fen1: 1}, 18_768},
		{"notes and coins of one yuan count apart", Count{Note1: 3, Coin1: 4}, 700},
		{"a drawer", Count{Note100: 12, Note20: 3, Jiao5: 7, Fen1: 2}, 126_352},
		{"zero pieces", Count{Note50: 0}, 0},
	} {
		if got := tc.count.Total(); got != tc.want {
			t.Errorf("%s: total %s, want %s", tc.name, got, tc.want)
		}
		if err := tc.count.Check(); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestCountCheck(t *testing.T) {
	for _, c := range []Count{{"3": 1}, {Note5: -1}, {Note100: MaxPieces + 1}} {
		if err := c.Check(); !errors.Is(err, ErrCount) {
			t.Errorf("Check(%v) = %v, want ErrCount", c, err)
		}
	}
	if c := (Count{Note100: MaxPieces}); c.Check() != nil || c.Total() > money.MaxAmount {
		t.Errorf("the largest count of ¥100 notes is %s", c.Total())
	}
}

func TestDenominations(t *testing.T) {
	prev := money.MaxAmount
	for i, d := range Denominations {
		if d.Value() == 0 || d.Value() > prev {
			t.Errorf("denomination %d (%s) is worth %s after %s: not largest first", i, d, d.Value(), prev)
		}
		prev = d.Value()
	}
	if len(Denominations) != len(denominationValues) {
		t.Errorf("%d denominations listed, %d valued", len(Denominations), len(denominationValues))
	}
	if Note1.Coin() || !Coin1.Coin() || !Fen1.Coin() || Note5.Coin() {
		t.Error("notes and coins mixed up")
	}
}
