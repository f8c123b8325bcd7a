package wallet

import (
	"fmt"

	"tilldesk/core/money"
)

// UnionPayOrder is what a till puts in the dynamic merchant-presented UnionPay QR code
// of one sale.
type UnionPayOrder struct {
	// AcquirerIIN (8 digits) and MerchantID (15) make the UnionPay merchant account
	// information (ID 15), the account the acquirer issued.
	AcquirerIIN, MerchantID string
	Reference               string       // 62.05 reference label: the order's, up to 25 characters
	TerminalID              string       // 62.07 terminal label
	Amount                  money.Amount // 54, in fen
	MCC                     string       // 52
	Name, City              string       // 59, 60 (Latin script)
	NameZH, CityZH          string       // 64: the Chinese language template, when NameZH is set
}

// UnionPayPayload builds the dynamic EMVCo payload (initiation 12) of o: currency 156,
// country CN, the CRC last. The till shows it as a QR code; the customer's UnionPay app
// reads the merchant, amount and reference from it.
func UnionPayPayload(o UnionPayOrder) (string, error) {
	if !digits(o.AcquirerIIN, 8) || len(o.MerchantID) != 15 || o.Reference == "" || o.Amount <= 0 {
		return "", fmt.Errorf("%w: UnionPay order needs an 8-digit IIN, a 15-character merchant ID, a reference and an amount", ErrBadQR)
	}
	m := MerchantQR{Initiation: DynamicQR, Accounts: []DataObject{UnionPayAccount(o.AcquirerIIN + o.MerchantID)}, MCC: o.MCC,
		Currency: "156", Amount: o.Amount.Plain(), Country: "CN", Name: o.Name, City: o.City,
		Additional: []DataObject{Object("05", o.Reference)}}
	if o.TerminalID != "" {
		m.Additional = append(m.Additional, Object("07", o.TerminalID))
	}
	if o.NameZH != "" {
		m.Language = &Language{Preference: "ZH", Name: o.NameZH, City: o.CityZH}
	}
	return m.Encode()
}
