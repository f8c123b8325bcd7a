package acquirersim

import (
	"testing"
	"time"

	"tilldesk/core/iso8583"
	"tilldesk/core/iso8583/posmsg"
	"tilldesk/core/wallet"
)

// qrSale is a QR sale of amount for code.
func qrSale(stan posmsg.STAN, amount posmsg.Amount, code string) (iso8583.Message, error) {
	return posmsg.QRSale{Terminal: term, STAN: stan, Batch: 1, Amount: amount, QR: posmsg.QRData{Code: code, Marker: posmsg.QRMarker}}.Message()
}

// The UnionPay app's codes are UnionPay C2B codes; the sandbox approves a code it
// showed once, and declines with the right codes: unknown or used 14, expired 54,
// over the balance 51, over the limit 61.
func TestQRSaleAnswers(t *testing.T) {
	now := time.Date(2025, 11, 26, 10, 0, 0, 0, time.UTC)
	s, c := start(t, Options{Now: func() time.Time { return now }})
	app := s.UnionPayApp()
	id, err := app.NewWallet(10_000)
	if err != nil {
		t.Fatal(err)
	}
	show := func() string {
		t.Helper()
		code, err := app.ShowCode(id)
		if err != nil {
			t.Fatal(err)
		}
		if p, err := wallet.ClassifyCode(code); err != nil || p != wallet.UnionPay {
			t.Fatalf("code %s classifies as %q, %v", wallet.MaskCode(code), p, err)
		}
		return code
	}
	paid, expired, poor, big := show(), show(), show(), show()
	tests := []struct {
		name   string
		amount posmsg.Amount
		code   string
		after  time.Duration
		want   string
	}{
		{"shown code", 1234, paid, 0, "00"},
		{"the same code again", 100, paid, 0, "14"},
		{"a code the app never showed", 100, "6299999999999999999", 0, "14"},
		{"over the balance", 9_000, poor, 0, "51"},
		{"over the limit", DefaultLimit + 1, big, 0, "61"},
		{"expired", 100, expired, QRCodeLifetime + time.Second, "54"},
	}
	for i, tt := range tests {
		now = now.Add(tt.after)
		m, err := qrSale(posmsg.STAN(i+1), tt.amount, tt.code)
		if got := ask(t, c, m, err); got != tt.want {
			t.Errorf("%s: answered %s, want %s", tt.name, got, tt.want)
		}
	}
	if b, _ := app.Balance(id); b != 10_000-1234 {
		t.Errorf("balance %d", b)
	}
	txns := s.Transactions(term.ID)
	if len(txns) != len(tests) || !txns[0].QR || !txns[0].Domestic || txns[0].MaskedPAN != iso8583.MaskPAN(paid) || txns[0].RRN == "" {
		t.Fatalf("ledger %+v", txns)
	}
	if s.Count(posmsg.KindQRSale) != len(tests) {
		t.Errorf("counted %d QR sales", s.Count(posmsg.KindQRSale))
	}

	// Void by RRN without a card number: the money goes back to the wallet; a card
	// void of the QR sale (with a card number) is refused.
	orig := txns[0]
	qrTx := posmsg.CardTransaction{Terminal: term, STAN: 20, Batch: 1, Amount: 1234, Card: posmsg.Card{EntryMode: posmsg.EntryQR}}
	cardTx := qrTx
	cardTx.STAN, cardTx.Card = 21, posmsg.Card{PAN: "6230000000000000001", EntryMode: posmsg.EntryChipNoPIN}
	m, err := posmsg.Void{CardTransaction: cardTx, OriginalRRN: orig.RRN, Original: posmsg.Original{Batch: 1, STAN: orig.STAN}}.Message()
	if got := ask(t, c, m, err); got != "14" {
		t.Errorf("card void of a QR sale answered %s", got)
	}
	m, err = posmsg.Void{CardTransaction: qrTx, OriginalRRN: orig.RRN, Original: posmsg.Original{Batch: 1, STAN: orig.STAN}}.Message()
	if got := ask(t, c, m, err); got != "00" {
		t.Errorf("QR void answered %s", got)
	}
	if b, _ := app.Balance(id); b != 10_000 {
		t.Errorf("balance after the void %d", b)
	}
	// The void reversed (its answer was lost to the till): the wallet pays again. The
	// void names no card, so the money comes from the sale's account.
	voidMsg, _ := posmsg.Void{CardTransaction: qrTx, OriginalRRN: orig.RRN, Original: posmsg.Original{Batch: 1, STAN: orig.STAN}}.Message()
	m, err = posmsg.Reversal{Original: voidMsg, Reason: posmsg.ReasonNoResponse}.Message()
	if got := ask(t, c, m, err); got != "00" {
		t.Errorf("reversal of the QR void answered %s", got)
	}
	if b, _ := app.Balance(id); b != 10_000-1234 {
		t.Errorf("balance after the void's reversal %d", b)
	}
}

// A KindSale fault (the simulator panel's) hits QR sales too.
func TestSaleFaultsHitQRSales(t *testing.T) {
	s, c := start(t, Options{})
	s.Inject(Fault{Kind: posmsg.KindSale, Code: "96"})
	id, _ := s.UnionPayApp().NewWallet(10_000)
	code, err := s.UnionPayApp().ShowCode(id)
	if err != nil {
		t.Fatal(err)
	}
	m, err := qrSale(1, 100, code)
	if got := ask(t, c, m, err); got != "96" {
		t.Errorf("QR sale under a sale fault answered %s", got)
	}
	m, err = qrSale(2, 100, code)
	if got := ask(t, c, m, err); got != "00" {
		t.Errorf("QR sale after the fault answered %s", got)
	}
}
