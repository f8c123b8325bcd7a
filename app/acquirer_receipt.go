package app

import (
	"cmp"
	"fmt"
	"strings"

	"tilldesk/core/emv/kernel"
	"tilldesk/core/iso8583/posmsg"
)

// cardRef is a card payment's reference (sale.Payment.Ref), printed on the receipt and
// read back by refunds and reversals:
//
//	Visa 499999******0015 auth:123456 rrn:000000100001 ref:000001/000012/1126
//	UnionPay QR 621234*********5678 auth:123456 rrn:000000100002 ref:000001/000013/1126
//
// brand (first word, as core/reports reads it), masked card number, authorisation
// code, retrieval reference number (absent for an offline approval), then batch,
// trace number (STAN) and date (MMDD) of the authorisation.
type cardRef struct {
	Brand     string
	MaskedPAN string
	AuthCode  string
	RRN       posmsg.RRN
	Batch     posmsg.BatchNumber
	STAN      posmsg.STAN
	Date      string
}

func (r cardRef) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", r.Brand, r.MaskedPAN)
	if r.AuthCode != "" {
		fmt.Fprintf(&b, " auth:%s", r.AuthCode)
	}
	if r.RRN != "" {
		fmt.Fprintf(&b, " rrn:%s", r.RRN)
	}
	fmt.Fprintf(&b, " ref:%s/%s/%s", r.Batch, r.STAN, r.Date)
	return b.String()
}

// id is the transaction the reference names.
func (r cardRef) id() string { return transactionID(r.Batch, r.STAN) }

// parseCardRef reads a card payment's reference.
func parseCardRef(s string) (cardRef, error) {
	f := strings.Fields(s)
	brand := ""
	if len(f) > 1 && f[0]+" "+f[1] == qrBrand { // the one brand of two words
		brand, f = qrBrand, f[1:]
	}
	if len(f) < 3 {
		return cardRef{}, fmt.Errorf("%q: %w", s, ErrNotCardRef)
	}
	r := cardRef{Brand: cmp.Or(brand, f[0]), MaskedPAN: f[1]}
	var err error
	for _, w := range f[2:] {
		k, v, _ := strings.Cut(w, ":")
		switch k {
		case "auth":
			r.AuthCode = v
		case "rrn":
			r.RRN, err = posmsg.ParseRRN(v)
		case "ref":
			parts := strings.Split(v, "/")
			if len(parts) != 3 {
				return cardRef{}, fmt.Errorf("%q: %w", s, ErrNotCardRef)
			}
			if r.Batch, err = posmsg.ParseBatchNumber(parts[0]); err == nil {
				r.STAN, err = posmsg.ParseSTAN(parts[1])
			}
			r.Date = parts[2]
		}
		if err != nil {
			return cardRef{}, fmt.Errorf("%q: %w: %v", s, ErrNotCardRef, err)
		}
	}
	if r.STAN == 0 {
		return cardRef{}, fmt.Errorf("%q: %w", s, ErrNotCardRef)
	}
	return r, nil
}

// CardReceipt is what a card payment's receipt prints besides the amount (EMV Book 4
// 11.4 and the schemes): masked card number, application name and AID, entry mode,
// TVR and TSI, cryptogram, CVM and signature line, authorisation code, RRN, batch and
// trace number. It holds no sensitive card data.
type CardReceipt struct {
	Ref             string `json:"ref"`
	Brand           string `json:"brand"`
	ApplicationName string `json:"application"`
	AID             string `json:"aid"`
	MaskedPAN       string `json:"masked_pan"`
	PANSequence     string `json:"pan_sequence,omitempty"`
	EntryMode       string `json:"entry_mode"` // "Chip" or "Contactless"
	CryptogramType  string `json:"cryptogram_type"`
	Cryptogram      string `json:"cryptogram"`
	TVR             string `json:"tvr"`
	TSI             string `json:"tsi"`
	CVM             string `json:"cvm"`
	SignatureLine   bool   `json:"signature_line,omitempty"`
	AuthCode        string `json:"auth_code,omitempty"`
	RRN             string `json:"rrn,omitempty"`
	ResponseCode    string `json:"response_code,omitempty"`
	Batch           string `json:"batch"`
	Trace           string `json:"trace"`
	Offline         bool   `json:"offline,omitempty"` // approved by the card without the bank
}

// cardReceiptOf is the receipt of a payment from the kernel's result.
func cardReceiptOf(res *kernel.Result, ref cardRef, offline bool) CardReceipt {
	k := res.Receipt()
	return CardReceipt{Ref: ref.String(), Brand: ref.Brand, ApplicationName: k.ApplicationName, AID: k.AID, MaskedPAN: ref.MaskedPAN,
		PANSequence: k.PANSequence, EntryMode: k.EntryMode, CryptogramType: k.CryptogramType, Cryptogram: k.Cryptogram,
		TVR: k.TVR, TSI: k.TSI, CVM: k.CVM, SignatureLine: k.SignatureLine, AuthCode: ref.AuthCode, RRN: string(ref.RRN),
		ResponseCode: k.ResponseCode, Batch: ref.Batch.String(), Trace: ref.STAN.String(), Offline: offline}
}

// ReceiptFor is the receipt data of a card payment of the open batch by its Ref
// (sale.Payment.Ref); after settlement the completed sale's journal record keeps it
// under "extras" -> "card" -> "receipts".
func (d *CardPayments) ReceiptFor(paymentRef string) (CardReceipt, bool) {
	ref, err := parseCardRef(paymentRef)
	if err != nil {
		return CardReceipt{}, false
	}
	j := d.journal()
	if in, ok, _ := getEntry[cardIntent](j, prefixIntent+ref.id()); ok && in.Receipt != nil {
		return *in.Receipt, true
	}
	if a, ok, _ := getEntry[pendingAdvice](j, prefixAdvice+ref.id()); ok && a.Receipt != nil {
		return *a.Receipt, true
	}
	if t, ok, _ := getEntry[batchTxn](j, txnKey(ref.Batch, ref.STAN)); ok && t.Receipt != nil {
		return *t.Receipt, true
	}
	return CardReceipt{}, false
}
