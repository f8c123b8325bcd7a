package app

import (
	"context"
	"errors"
	"strings"
	"testing"

	"tilldesk/app/acquirersim"
	"tilldesk/core/journal"
	"tilldesk/core/sale"
	"tilldesk/devices/cardtest"
	"tilldesk/devices/pinpad/ipp"
)

func TestCardSaleApprovedOnline(t *testing.T) {
	for _, tc := range []struct {
		profile string
		tapped  bool
		brand   string
	}{
		{"unionpay", false, "UnionPay"},
		{"visa", false, "Visa"},
		{"mastercard", false, "Mastercard"},
		{"unionpay", true, "UnionPay"},
		{"wallet", true, "Visa"},
	} {
		t.Run(tc.profile, func(t *testing.T) {
			f := newCardFixture(t)
			f.card(tc.profile, tc.tapped)
			before := f.balance(tc.profile)
			r, err := f.pay(water, noodles)
			if err != nil {
				t.Fatalf("pay: %v", err)
			}
			if r == nil || len(r.Sale.Payments) != 1 {
				t.Fatalf("receipt %+v", r)
			}
			p := r.Sale.Payments[0]
			if p.Method != sale.Card || p.Amount != 750 || !strings.HasPrefix(p.Ref, tc.brand+" ") || strings.Contains(p.Ref, pan(t, tc.profile)) {
				t.Fatalf("payment %+v", p)
			}
			if got := f.balance(tc.profile); got != before-750 {
				t.Fatalf("balance %d, want %d", got, before-750)
			}
			rc, ok := f.d.ReceiptFor(p.Ref)
			if !ok || rc.AuthCode == "" || rc.RRN == "" || rc.AID == "" || rc.Cryptogram == "" || rc.Offline {
				t.Fatalf("receipt data %+v (%v)", rc, ok)
			}
			st := f.status()
			if st.BatchCount != 1 || st.PendingReversals != 0 || st.PendingAdvices != 0 || !st.SignedOn {
				t.Fatalf("status %+v", st)
			}
			k := f.kinds()
			if k[KindCardIntent] != 1 || k[KindCardAuthorised] != 1 || k[journal.KindSaleCompleted] != 1 || k[KindCardSignedOn] != 1 {
				t.Fatalf("records %v", k)
			}
			if !f.saw(CardProcessing) || !f.saw(CardApproved) {
				t.Fatalf("stages %v", f.stages)
			}
			assertNoClearPAN(t, f, tc.profile)
		})
	}
}

// assertNoClearPAN checks that no journal record holds the card's full number.
func assertNoClearPAN(t *testing.T, f *cardFixture, profile string) {
	t.Helper()
	assertNotJournaled(t, f, pan(t, profile), "the full card number")
}

// assertNotJournaled fails when a journal record holds secret (what names it).
func assertNotJournaled(t *testing.T, f *cardFixture, secret, what string) {
	t.Helper()
	if err := f.j.Each(journal.Filter{}, func(r journal.Record) error {
		if strings.Contains(string(r.Data), secret) {
			t.Errorf("record %d (%s) holds %s", r.Seq, r.Kind, what)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestCardSaleDeclined(t *testing.T) {
	for _, tc := range []struct {
		name, code string
		setup      func(*cardFixture)
	}{
		{"do not honour", "05", func(f *cardFixture) {
			f.sb.UpdateAccount(pan(f.t, "visa"), func(a *acquirersim.Account) { a.DoNotHonour = true })
		}},
		{"insufficient funds", "51", func(f *cardFixture) {
			f.sb.UpdateAccount(pan(f.t, "visa"), func(a *acquirersim.Account) { a.Balance = 100 })
		}},
		{"over the limit", "61", func(f *cardFixture) {
			f.sb.UpdateAccount(pan(f.t, "visa"), func(a *acquirersim.Account) { a.Limit = 100 })
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newCardFixture(t)
			card := f.card("visa", false)
			tc.setup(f)
			before := f.balance("visa")
			_, err := f.pay(water)
			var de *CardDeclinedError
			if !errors.As(err, &de) || de.Code.Code != tc.code || CardErrorKey(err) != de.Code.Key {
				t.Fatalf("pay: %v, want a %s decline", err, tc.code)
			}
			if f.balance("visa") != before {
				t.Fatal("a declined sale moved money")
			}
			if s := f.till.Current(); len(s.Payments) != 0 {
				t.Fatalf("payments %+v", s.Payments)
			}
			st := f.status()
			if st.BatchCount != 0 || st.PendingReversals != 0 {
				t.Fatalf("status %+v", st)
			}
			if k := f.kinds(); k[KindCardDeclined] != 1 {
				t.Fatalf("records %v", k)
			}
			// The issuer blocks a card it does not honour with a script the kernel runs.
			if c, _ := card.Counters(0); c.Blocked != (tc.code == "05") {
				t.Fatalf("application blocked %v after %s", c.Blocked, tc.code)
			}
		})
	}
}

func TestCardSaleWrongPINThenRight(t *testing.T) {
	f := newCardFixture(t)
	f.card("unionpay", false)
	f.pad.pins = []string{"000000", "123456"}
	before := f.balance("unionpay")
	r, err := f.pay(water)
	if err != nil {
		t.Fatalf("pay: %v", err)
	}
	if r == nil || f.pad.asked() != 2 || !f.saw(CardWrongPIN) {
		t.Fatalf("receipt %v, PIN asked %d times, stages %v", r, f.pad.asked(), f.stages)
	}
	if f.balance("unionpay") != before-200 {
		t.Fatal("balance")
	}
	if k := f.kinds(); k[KindCardDeclined] != 1 || k[KindCardAuthorised] != 1 {
		t.Fatalf("records %v", k)
	}
}

func TestCardSaleWrongPINTooOften(t *testing.T) {
	f := newCardFixture(t)
	f.card("unionpay", false)
	f.pad.pins = []string{"000000"}
	_, err := f.pay(water)
	var de *CardDeclinedError
	if !errors.As(err, &de) || de.Code.Code != "75" { // the third wrong PIN blocks it at the issuer
		t.Fatalf("pay: %v, want 75", err)
	}
	if f.pad.asked() != 3 {
		t.Fatalf("PIN asked %d times", f.pad.asked())
	}
}

// The whole chain with the simulated PIN pad on a pseudo-terminal and its real
// driver, in either DUKPT scheme (TDES: format 0 in DE52; AES: format 4 in DE62): the
// customer types a wrong PIN, the bank says 55, the customer types the right one.
func TestCardSaleThroughSimulatedPINPad(t *testing.T) {
	for _, key := range []ipp.KeyScheme{ipp.TDES, ipp.AES} {
		t.Run(key.String(), func(t *testing.T) {
			f := newCardFixture(t)
			pad := cardtest.StartPINPadFor(t, key)
			term := *f.d.cardTerminal()
			term.PINPad = pad
			f.d.SetTerminal(&term)
			f.card("unionpay", false)
			pad.Types("000000")
			before := f.balance("unionpay")
			ringUp(t, f.till, water)
			r, err := f.till.Pay(context.Background(), f.d.Tender(func(s CardStage) {
				if s == CardWrongPIN {
					pad.Types("123456")
				}
			}), PayRequest{})
			if err != nil || r == nil || pad.Asked() != 2 || pad.Sim.PINBlocks() != 2 {
				t.Fatalf("pay: %v, PIN asked %d times, %d blocks", err, pad.Asked(), pad.Sim.PINBlocks())
			}
			if f.balance("unionpay") != before-200 {
				t.Fatal("balance")
			}
		})
	}
}
