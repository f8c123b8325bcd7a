package posmsg

import (
	"bytes"
	"errors"
	"testing"

	"tilldesk/core/iso8583"
	"tilldesk/core/iso8583/internal/isotest"
)

// roundTrip packs m with the UnionPay spec, unpacks it and checks nothing changed:
// every builder's output must be a valid message of the dialect.
func roundTrip(t *testing.T, m iso8583.Message) iso8583.Message {
	t.Helper()
	packed, err := iso8583.UnionPay.Pack(m)
	if err != nil {
		t.Fatalf("Pack(%v): %v", m, err)
	}
	got, err := iso8583.UnionPay.Unpack(packed)
	if err != nil {
		t.Fatalf("Unpack: %v", err)
	}
	if !got.Equal(m) {
		t.Fatalf("round trip changed the message:\n got %v\nwant %v", got, m)
	}
	return got
}

// publishedMessage unpacks the message of a published frame.
func publishedMessage(t testing.TB, frame string) iso8583.Message {
	t.Helper()
	m, err := iso8583.UnionPay.Unpack(isotest.Hex(t, frame)[isotest.FrameHeaderSize:])
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// The published chip sale (isotest.SaleFrame) parses as a Sale, and the Sale builds
// back to the published fields, except those this builder does not send: DE48 ("0")
// and DE59 (the source's private data) and DE64 (added by mac.Sign).
func TestSaleMatchesPublishedChipSale(t *testing.T) {
	published := publishedMessage(t, isotest.SaleFrame)
	if KindOf(published) != KindSale {
		t.Fatalf("KindOf = %v, want KindSale", KindOf(published))
	}
	sale, err := ParseSale(published)
	if err != nil {
		t.Fatal(err)
	}
	if sale.STAN != 403 || sale.Amount != 1 || sale.Batch != 24 || sale.Card.EntryMode != "071" ||
		sale.Card.SequenceNumber != "000" || sale.PIN.CaptureCode != "12" || sale.Field60Rest != "000600" || len(sale.ICC) != 139 {
		t.Errorf("parsed %+v", sale)
	}
	built, err := sale.Message()
	if err != nil {
		t.Fatal(err)
	}
	want := published.Clone()
	want.Delete(48)
	want.Delete(59)
	want.Delete(64)
	if !built.Equal(want) {
		t.Errorf("built sale differs:\n got %v\nwant %v", built, want)
	}
	roundTrip(t, built)
}

// The published swipe sale's MAC block (isotest.SwipeSaleMAB) parses as a Sale whose
// message packs back to the same block.
func TestSaleMatchesPublishedSwipeSale(t *testing.T) {
	mab := isotest.Hex(t, isotest.SwipeSaleMAB)
	published, err := iso8583.UnionPay.Unpack(append(bytes.Clone(mab), "MACBYTES"...))
	if err != nil {
		t.Fatal(err)
	}
	sale, err := ParseSale(published)
	if err != nil {
		t.Fatal(err)
	}
	built, err := sale.Message()
	if err != nil {
		t.Fatal(err)
	}
	built.Set(64, "MACBYTES")
	packed, err := iso8583.UnionPay.Pack(built)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(packed[:len(packed)-8], mab) {
		t.Errorf("packed %X\nwant   %X", packed[:len(packed)-8], mab)
	}
}

// The published QR sale has DE60.1 26: a QR sale (qr.go), not a card sale.
func TestPublishedQRSaleIsNotACardSale(t *testing.T) {
	qr := publishedMessage(t, isotest.QRSaleFrame)
	if k := KindOf(qr); k != KindQRSale {
		t.Errorf("KindOf = %v", k)
	}
	if _, err := ParseSale(qr); !errors.Is(err, ErrKind) {
		t.Errorf("ParseSale = %v, want ErrKind", err)
	}
}

// testTransaction is a chip card sale with a PIN (round-trip values, not a vector).
func testTransaction() CardTransaction {
	return CardTransaction{
		Terminal: Terminal{ID: "10000019", MerchantID: "850100082410002", Currency: CurrencyCNY},
		STAN:     42,
		Batch:    7,
		Amount:   12345,
		Card:     Card{PAN: "6212345678901234567", Expiry: "3012", SequenceNumber: "001", EntryMode: EntryChipPIN},
		PIN:      PIN{Block: []byte{1, 2, 3, 4, 5, 6, 7, 8}, KSN: []byte{0xFF, 0xFF, 0x98, 0x76, 0x54, 0x32, 0x10, 0xE0, 0x00, 0x01}},
		ICC:      []byte{0x9F, 0x26, 0x02, 0xAB, 0xCD},
	}
}

// Round trips (not published vectors): each request builds a valid UnionPay
// message, is classified by KindOf and parses back to the same values.
func TestRequestsRoundTrip(t *testing.T) {
	tx := testTransaction()
	tests := []struct {
		name  string
		kind  Kind
		build func() (iso8583.Message, error)
		parse func(iso8583.Message) (any, error)
	}{
		{"sale", KindSale, Sale{tx}.Message, func(m iso8583.Message) (any, error) { return ParseSale(m) }},
		{"void", KindVoid, Void{tx, "123456789012", "A1B2C3", Original{Batch: 7, STAN: 41}}.Message,
			func(m iso8583.Message) (any, error) { return ParseVoid(m) }},
		{"refund", KindRefund, Refund{tx, "123456789012", Original{Batch: 6, STAN: 9, Date: "0312"}, CardOrganizationCUP}.Message,
			func(m iso8583.Message) (any, error) { return ParseRefund(m) }},
		{"offline advice", KindOfflineAdvice, OfflineAdvice{withoutPIN(tx), "Y1    "}.Message,
			func(m iso8583.Message) (any, error) { return ParseOfflineAdvice(m) }},
		{"sign-on", KindSignOn, SignOn{Terminal: tx.Terminal, STAN: 1, Batch: 7, Operator: "01 "}.Message,
			func(m iso8583.Message) (any, error) { return ParseSignOn(m) }},
		{"sign-off", KindSignOff, SignOff{Terminal: tx.Terminal, STAN: 2, Batch: 7}.Message,
			func(m iso8583.Message) (any, error) { return ParseSignOff(m) }},
		{"settlement", KindSettlement, Settlement{Terminal: tx.Terminal, STAN: 3, Batch: 7, Operator: "01 ",
			Totals: Totals{Domestic: CardTotals{DebitAmount: 12345, DebitCount: 1}}}.Message,
			func(m iso8583.Message) (any, error) { return ParseSettlement(m) }},
		{"batch upload", KindBatchUpload, BatchUpload{Terminal: tx.Terminal, STAN: 4, Batch: 7, Last: true,
			Entries: BatchEntries{{TypeSale, 42, 12345}, {TypeVoid, 43, 12345}}}.Message,
			func(m iso8583.Message) (any, error) { return ParseBatchUpload(m) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := tt.build()
			if err != nil {
				t.Fatal(err)
			}
			roundTrip(t, m)
			if k := KindOf(m); k != tt.kind {
				t.Errorf("KindOf = %v, want %v", k, tt.kind)
			}
			parsed, err := tt.parse(m)
			if err != nil {
				t.Fatal(err)
			}
			again, err := parsed.(interface {
				Message() (iso8583.Message, error)
			}).Message()
			if err != nil || !again.Equal(m) {
				t.Errorf("parse and build again: %v, %v\nwant %v", again, err, m)
			}
		})
	}
}

func withoutPIN(tx CardTransaction) CardTransaction {
	tx.PIN = PIN{}
	return tx
}

// Field layouts checked by hand against the sources' subfield lists.
func TestBuiltFieldLayouts(t *testing.T) {
	tx := testTransaction()
	sale, err := Sale{tx}.Message()
	if err != nil {
		t.Fatal(err)
	}
	for n, want := range map[int]string{3: "000000", 4: "000000012345", 11: "000042", 22: "051", 25: "00",
		26: "12", 49: "156", 53: SecurityInfoDefault, 60: "22000007", 62: "FFFF9876543210E00001"} {
		if got := sale.Get(n); got != want {
			t.Errorf("sale DE%d = %q, want %q", n, got, want)
		}
	}
	refund, _ := Refund{tx, "123456789012", Original{Batch: 6, STAN: 9, Date: "0312"}, "CUP"}.Message()
	if refund.MTI != "0220" || refund.Get(3) != "200000" || refund.Get(60) != "25000007" || refund.Get(61) != "0000060000090312" {
		t.Errorf("refund %v", refund)
	}
	signOn, _ := SignOn{Terminal: tx.Terminal, STAN: 1, Batch: 7}.Message()
	if signOn.Get(60) != "00000007003" || signOn.Has(49) {
		t.Errorf("sign-on %v", signOn)
	}
	settle, _ := Settlement{Terminal: tx.Terminal, STAN: 3, Batch: 7,
		Totals: Totals{Domestic: CardTotals{DebitAmount: 12345, DebitCount: 1, CreditAmount: 100, CreditCount: 2}}}.Message()
	if want := "000000012345001000000000100002" + "0" + "000000000000000000000000000000" + "0"; settle.Get(48) != want || settle.Get(60) != "00000007201" {
		t.Errorf("settlement DE48 %q DE60 %q", settle.Get(48), settle.Get(60))
	}
}

func TestBuildersRejectBadInput(t *testing.T) {
	tx := testTransaction()
	noCard := tx
	noCard.Card.PAN = ""
	badSTAN := tx
	badSTAN.STAN = 1000000
	noBatchAmount := tx
	noBatchAmount.Amount = 0
	tests := []struct {
		name  string
		build func() (iso8583.Message, error)
		want  error
	}{
		{"no PAN or track 2", Sale{noCard}.Message, ErrMissing},
		{"STAN over 999999", Sale{badSTAN}.Message, ErrValue},
		{"no amount", Sale{noBatchAmount}.Message, ErrMissing},
		{"PIN in an offline advice", OfflineAdvice{tx, ""}.Message, ErrValue},
		{"void without RRN", Void{CardTransaction: tx, Original: Original{Batch: 1, STAN: 1}}.Message, ErrMissing},
		{"bad RRN", Void{tx, "12345", "", Original{}}.Message, ErrValue},
		{"too many batch entries", BatchUpload{Terminal: tx.Terminal, STAN: 1, Batch: 1, Entries: make(BatchEntries, MaxBatchEntries+1)}.Message, ErrValue},
	}
	for _, tt := range tests {
		if _, err := tt.build(); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
}
