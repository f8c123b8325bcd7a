// Package posmsg builds and parses the messages a UnionPay-dialect POS terminal
// exchanges with its acquirer, as typed structs that map to and from
// iso8583.Message (pack them with iso8583.UnionPay; sign them with mac.Sign):
//
//   - SignOn (0800) and SignOff (0820), answered by 0810 / 0830;
//   - Sale, Void (0200) and Refund, Advice (0220), answered by 0210 / 0230;
//   - Reversal (0400) of a sale or void, answered by 0410;
//   - Settlement (0500) with totals, answered by 0510; BatchUpload (0320);
//   - Response: any answer, with its response code interpreted by respcode.
//
// Message composition follows the UnionPay POS terminal specification as published
// in public code: the transaction table of "中国银联POS终端消息域说明" (processing
// code, condition code, MTI and DE60.1 type code per transaction: 消费 000000/00/
// 0200/22, 消费撤销 200000/00/0200/23, 退货 200000/00/0220/25, 结算 000000/00/0220/30)
// and the per-message field lists of the eJPos SDK (vicky288/acnProj
// src/MessageStructure.java: SingInReqMsg, PurchaseReqMsg, PurchaseCancelReqMsg,
// RefundReqMsg, PurchaseReversalReqMsg, BatchSettlementReqMsg, BatchUploadReqMsg).
// Where a choice is Tilldesk's own (the KSN in DE62, AES PIN blocks in DE62 rather
// than DE52, the batch-upload DE48 layout, reversals without track or PIN data) the
// type's documentation says so.
package posmsg

import "tilldesk/core/iso8583"

// Message type indicators.
const (
	MTISignOn             = "0800"
	MTISignOnResponse     = "0810"
	MTISignOff            = "0820"
	MTISignOffResponse    = "0830"
	MTIFinancial          = "0200"
	MTIFinancialResponse  = "0210"
	MTIAdvice             = "0220"
	MTIAdviceResponse     = "0230"
	MTIBatchUpload        = "0320"
	MTIBatchUploadReply   = "0330"
	MTIReversal           = "0400"
	MTIReversalResponse   = "0410"
	MTISettlement         = "0500"
	MTISettlementResponse = "0510"
)

// Processing codes (DE3).
const (
	// ProcessingPurchase: sale and offline sale advice.
	ProcessingPurchase = "000000"
	// ProcessingCancel: void (消费撤销) and refund (退货).
	ProcessingCancel = "200000"
)

// ConditionNormal is the point-of-service condition code (DE25) of a normal
// card-present transaction.
const ConditionNormal = "00"

// Transaction type codes (DE60.1).
const (
	TypeManagement = "00"
	TypeSale       = "22"
	TypeVoid       = "23"
	TypeRefund     = "25"
	// TypeOfflineAdvice is "结算" (offline settlement notification): an offline
	// approval sent to the host later.
	TypeOfflineAdvice = "30"
)

// Network management information codes (DE60.3). The sign-on key schemes are the
// published ones; the others are the values UnionPay terminals commonly send,
// which the sandbox acquirer shares with the till.
const (
	NetworkNone             = "000"
	KeySchemeSingleDES      = "001"
	KeySchemeDoubleDES      = "003"
	KeySchemeDoubleDESTrack = "004"
	NetworkSignOff          = "002"
	NetworkSettlement       = "201"
	NetworkBatchUpload      = "201"
	NetworkBatchUploadEnd   = "202"
)

// Reversal reasons (DE39 of a 0400), from the UnionPay POS specification as quoted
// in public terminal code (e.g. com.whty.smartpos.unionpay ResponseCode: "98 POS终端
// 在时限内未能收到POS中心的应答", "96 ... 由于POS机故障无法完成交易", "A0 ... 验证MAC出错",
// "06 其他情况引发的冲正").
const (
	ReasonNoResponse    = "98"
	ReasonTerminalFault = "96"
	ReasonResponseMAC   = "A0"
	ReasonOther         = "06"
)

// Point-of-service entry modes (DE22): PAN entry (02 magnetic stripe, 05 chip, 07
// contactless) and a third digit 1 when a PIN was entered, 2 when not. The published
// captures in the tests carry 071 and 021.
const (
	EntrySwipePIN         = "021"
	EntryChipPIN          = "051"
	EntryChipNoPIN        = "052"
	EntryContactlessPIN   = "071"
	EntryContactlessNoPIN = "072"
)

// Other common field values.
const (
	// SecurityInfoDefault is DE53 as both published UnionPay sale captures send it
	// with a PIN block.
	SecurityInfoDefault = "2600000000000000"
	// SecurityInfoAES is DE53 with an AES DUKPT format 4 PIN block (in DE62, see
	// PIN): Tilldesk's own values in UnionPay's first two positions, PIN format 4
	// (the specification's are 1 and 2, ANSI X9.8 without and with the PAN) and
	// algorithm 8 (its are 0, single DES, and 6, double-length TDES).
	SecurityInfoAES = "4800000000000000"
	// PINCaptureCode12 is DE26 when the PIN pad accepts up to 12 digits.
	PINCaptureCode12 = "12"
	// CardOrganizationCUP is DE63.1 for China UnionPay cards.
	CardOrganizationCUP = "CUP"
	// CurrencyCNY is DE49 for renminbi.
	CurrencyCNY = "156"
)

// Terminal identifies the till in every message.
type Terminal struct {
	// ID is the card acceptor terminal identification (DE41), 8 characters.
	ID string
	// MerchantID is the card acceptor identification code (DE42), 15 characters.
	MerchantID string
	// Currency is the ISO 4217 numeric currency code (DE49) of amounts, "156" for CNY.
	Currency string
}

// identity binds DE41 and DE42.
func (t *Terminal) identity() []binding {
	return []binding{required(41, text{&t.ID}), required(42, text{&t.MerchantID})}
}

// Kind is what a message is, by MTI and, for financial messages, DE60.1.
type Kind uint8

// Kinds of messages.
const (
	KindUnknown Kind = iota
	KindSignOn
	KindSignOff
	KindSale
	KindVoid
	KindRefund
	KindOfflineAdvice
	KindReversal
	KindSettlement
	KindBatchUpload
	KindResponse
	KindQRSale  // a UnionPay QR sale (qr.go)
	KindQROrder // a merchant-presented QR order, query or close (qrorder.go)
)

// isResponseMTI reports whether mti is four digits with an odd third digit (the
// message function "response": 0210, 0810...).
func isResponseMTI(mti string) bool {
	return len(mti) == 4 && isDigits(mti) && (mti[2]-'0')%2 == 1
}

// KindOf classifies a request (or, for any MTI whose third digit is odd, a response).
func KindOf(m iso8583.Message) Kind {
	if isResponseMTI(m.MTI) {
		return KindResponse
	}
	typeCode := ""
	if f, err := ParseField60(m.Get(60)); err == nil {
		typeCode = f.TypeCode
	}
	switch {
	case m.MTI == MTISignOn:
		return KindSignOn
	case m.MTI == MTISignOff:
		return KindSignOff
	case m.MTI == MTIFinancial && typeCode == TypeSale:
		return KindSale
	case m.MTI == MTIFinancial && typeCode == TypeVoid:
		return KindVoid
	case m.MTI == MTIFinancial && typeCode == TypeQRSale:
		return KindQRSale
	case m.MTI == MTIFinancial && typeCode == TypeQROrder:
		return KindQROrder
	case m.MTI == MTIAdvice && typeCode == TypeRefund:
		return KindRefund
	case m.MTI == MTIAdvice && typeCode == TypeOfflineAdvice:
		return KindOfflineAdvice
	case m.MTI == MTIReversal:
		return KindReversal
	case m.MTI == MTISettlement:
		return KindSettlement
	case m.MTI == MTIBatchUpload:
		return KindBatchUpload
	}
	return KindUnknown
}
