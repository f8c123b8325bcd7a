package acquirersim

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"tilldesk/app/acquirer"
	"tilldesk/core/iso8583"
	"tilldesk/core/iso8583/frame"
	"tilldesk/core/iso8583/posmsg"
)

var term = posmsg.Terminal{ID: "TILL0001", MerchantID: "898310000000001", Currency: posmsg.CurrencyCNY}

func start(t *testing.T, opt Options) (*Server, *acquirer.Client) {
	t.Helper()
	opt.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := Start(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c, err := acquirer.New(acquirer.Config{Address: s.Addr(), Format: frame.UnionPayFormat, TPDU: frame.NewTPDU(3, 0), ResponseTimeout: 300 * time.Millisecond, Log: opt.Log})
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

func ask(t *testing.T, c *acquirer.Client, m iso8583.Message, err error) string {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	a, err := c.Exchange(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	return a.Response.ResponseCode
}

// sale is a 0200 for a virtual card without chip data (refused before the issuer).
func sale(stan posmsg.STAN, batch posmsg.BatchNumber) (iso8583.Message, error) {
	return posmsg.Sale{CardTransaction: posmsg.CardTransaction{Terminal: term, STAN: stan, Batch: batch, Amount: 100,
		Card: posmsg.Card{PAN: "4999990000000015", EntryMode: posmsg.EntryChipNoPIN}}}.Message()
}

// A reversal that overtakes its sale is acknowledged and remembered: the sale, if it
// arrives afterwards, is refused and charges nothing. Reversals are idempotent.
func TestReversalBeforeItsSale(t *testing.T) {
	s, c := start(t, Options{RequireSignOn: true})
	orig, err := sale(5, 1)
	if err != nil {
		t.Fatal(err)
	}
	rv, err := posmsg.Reversal{Original: orig, Reason: posmsg.ReasonNoResponse}.Message()
	for range 2 {
		if code := ask(t, c, rv, err); code != "00" {
			t.Fatalf("reversal answered %s", code)
		}
	}
	if code := ask(t, c, orig, nil); code != "77" {
		t.Fatalf("sale before sign-on answered %s", code)
	}
	so, err := posmsg.SignOn{Terminal: term, STAN: 6, Batch: 1}.Message()
	if code := ask(t, c, so, err); code != "00" || !s.SignedOn(term.ID) {
		t.Fatalf("sign-on %s", code)
	}
	if code := ask(t, c, orig, nil); code != "94" {
		t.Fatalf("the reversed sale answered %s, want it refused", code)
	}
	if b, _ := s.Balance("4999990000000015"); b != DefaultBalance || len(s.Transactions("")) != 0 {
		t.Fatalf("balance %d, ledger %+v", b, s.Transactions(""))
	}
}

// Faults are taken in order, for their number of requests.
func TestFaultsAreCounted(t *testing.T) {
	s, c := start(t, Options{})
	s.Inject(Fault{Kind: posmsg.KindSignOn, Code: "91", Times: 2})
	so := func(stan posmsg.STAN) (iso8583.Message, error) {
		return posmsg.SignOn{Terminal: term, STAN: stan, Batch: 1}.Message()
	}
	var codes []string
	for stan := posmsg.STAN(1); stan <= 3; stan++ {
		m, err := so(stan)
		codes = append(codes, ask(t, c, m, err))
	}
	if codes[0] != "91" || codes[1] != "91" || codes[2] != "00" || s.Count(posmsg.KindSignOn) != 3 {
		t.Fatalf("codes %v", codes)
	}
}
