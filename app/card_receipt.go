package app

import (
	"encoding/json"
	"strconv"
	"strings"

	"tilldesk/core/journal"
	"tilldesk/core/receipt"
	"tilldesk/core/sale"
)

// A card payment's receipt carries the EMV fields under the payment (EMV Book 4
// 11.4): card number (masked), application and AID, entry mode, authorisation code,
// RRN, batch and trace number, TVR and TSI, the cryptogram, the cardholder
// verification, "offline" for an approval the card gave without the bank, and a
// signature line when the card asked for a signature. A UnionPay QR payment has the
// masked payment code, "UnionPay QR" as entry, authorisation code, RRN, batch and
// trace. Labels are the receipt's
// ("card.aid" is looked up as the receipt looks up its words).

// ReceiptDetails gives the rows printed under a payment on the receipt r.
type ReceiptDetails func(r *Receipt, p sale.Payment, tr receipt.Labels) []receipt.Row

// receiptDetails are the registered ReceiptDetails by tender.
type receiptDetails map[sale.Method]ReceiptDetails

// RegisterReceiptDetails prints f's rows under every payment by m on receipts.
func (t *Till) RegisterReceiptDetails(m sale.Method, f ReceiptDetails) {
	if t.details == nil {
		t.details = receiptDetails{}
	}
	t.details[m] = f
}

// of is the receipt header's PaymentDetails for r, or nil when none is registered.
func (d receiptDetails) of(r *Receipt, tr receipt.Labels) func(sale.Payment) []receipt.Row {
	if len(d) == 0 {
		return nil
	}
	return func(p sale.Payment) []receipt.Row {
		if f := d[p.Method]; f != nil {
			return f(r, p, tr)
		}
		return nil
	}
}

// CardReceiptKeys are the receipt label keys card payments use (translations must
// have each as "receipt." + key).
var CardReceiptKeys = []string{"card.number", "card.application", "card.aid", "card.entry", "card.entry.chip",
	"card.entry.contactless", "card.auth_code", "card.rrn", "card.batch_trace", "card.tvr", "card.tsi", "card.cryptogram",
	"card.cvm", "card.cvm.not_performed", "card.cvm.failed", "card.cvm.online_pin", "card.cvm.offline_pin",
	"card.cvm.offline_pin_and_signature", "card.cvm.signature", "card.cvm.no_cvm", "card.cvm.consumer_device_cvm",
	"card.offline", "card.signature", "card.signature_note", "card.qr_code", "card.entry.qr"}

// CardReceiptRows lays out a card payment's EMV fields and, when the card asked for
// one, the signature line.
func CardReceiptRows(c CardReceipt, tr receipt.Labels) []receipt.Row {
	var rows []receipt.Row
	add := func(key, value string) {
		if value != "" {
			rows = append(rows, receipt.Row{Left: "  " + tr(key), Right: value})
		}
	}
	entry, number := "card.entry.chip", "card.number"
	switch c.EntryMode {
	case "Contactless":
		entry = "card.entry.contactless"
	case qrEntryMode: // a UnionPay QR payment code: no card, no chip
		entry, number = "card.entry.qr", "card.qr_code"
	}
	add(number, c.MaskedPAN)
	add("card.application", c.ApplicationName)
	add("card.aid", c.AID)
	add("card.entry", tr(entry))
	add("card.auth_code", c.AuthCode)
	add("card.rrn", c.RRN)
	add("card.batch_trace", c.Batch+"/"+c.Trace)
	add("card.tvr", c.TVR)
	add("card.tsi", c.TSI)
	if c.Cryptogram != "" {
		add("card.cryptogram", strings.TrimSpace(c.CryptogramType+" "+c.Cryptogram))
	}
	if c.CVM != "" {
		add("card.cvm", tr("card.cvm."+strings.ReplaceAll(strings.ToLower(c.CVM), " ", "_")))
	}
	if c.Offline {
		rows = append(rows, receipt.Row{Left: tr("card.offline"), Style: receipt.Centre})
	}
	if c.SignatureLine {
		rows = append(rows, receipt.Row{Left: tr("card.signature")}, receipt.Row{},
			receipt.Row{Left: strings.Repeat("_", 30), Style: receipt.Centre},
			receipt.Row{Left: tr("card.signature_note"), Style: receipt.Centre})
	}
	return rows
}

// receiptRows are a card payment's rows on receipt r: its EMV fields from the open
// batch, or, once the batch is settled, from the sale's own journal record.
func (d *CardPayments) receiptRows(r *Receipt, p sale.Payment, tr receipt.Labels) []receipt.Row {
	c, ok := d.ReceiptFor(p.Ref)
	if !ok {
		c, ok = d.recordedReceipt(r, p.Ref)
	}
	if !ok {
		return nil
	}
	return CardReceiptRows(c, tr)
}

// recordedReceipt reads a card payment's receipt data from its sale's completion
// record ("extras" -> "card" -> "receipts"), found by the receipt number.
func (d *CardPayments) recordedReceipt(r *Receipt, ref string) (CardReceipt, bool) {
	i := strings.LastIndexByte(r.Number, '-')
	seq, err := strconv.ParseUint(r.Number[i+1:], 10, 64)
	if err != nil {
		return CardReceipt{}, false
	}
	rec, err := d.journal().Get(seq)
	if err != nil || rec.Kind != journal.KindSaleCompleted {
		return CardReceipt{}, false
	}
	var data struct {
		Extras struct {
			Card cardCompletion `json:"card"`
		} `json:"extras"`
	}
	if err := json.Unmarshal(rec.Data, &data); err != nil {
		d.log.Warn("sale record unreadable for its card receipt", "seq", seq, "err", err)
		return CardReceipt{}, false
	}
	for _, c := range data.Extras.Card.Receipts {
		if c.Ref == ref {
			return c, true
		}
	}
	return CardReceipt{}, false
}
