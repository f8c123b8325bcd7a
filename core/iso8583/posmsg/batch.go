package posmsg

import "tilldesk/core/iso8583"

// Settlement (批结算) closes the batch: 0500 with the till's totals (DE48), DE60.1
// 00, DE60.3 NetworkSettlement and the operator (DE63). The 0510 answers with the
// host's reconciliation result in the totals' Result digits.
type Settlement struct {
	Terminal Terminal
	STAN     STAN
	Batch    BatchNumber
	Totals   Totals
	Operator string
}

func (s *Settlement) bindings(network *string) []binding {
	return append(s.Terminal.identity(),
		required(11, &s.STAN),
		required(48, &s.Totals),
		required(49, text{&s.Terminal.Currency}),
		required(60, field60{typeCode: TypeManagement, batch: &s.Batch, rest: network}),
		optional(63, text{&s.Operator}))
}

// Message builds the 0500.
func (s Settlement) Message() (iso8583.Message, error) {
	network := NetworkSettlement
	return build(MTISettlement, s.bindings(&network))
}

// ParseSettlement reads a settlement request.
func ParseSettlement(m iso8583.Message) (Settlement, error) {
	var s Settlement
	var network string
	err := parse(m, MTISettlement, s.bindings(&network))
	return s, err
}

// BatchUpload (批上送) sends the batch's transactions when the settlement is out of
// balance: 0320 with entries in DE48 (see BatchEntries), DE60.1 00 and DE60.3
// NetworkBatchUpload, or NetworkBatchUploadEnd on the last message.
type BatchUpload struct {
	Terminal Terminal
	STAN     STAN
	Batch    BatchNumber
	Entries  BatchEntries
	// Last marks the final upload message of the batch.
	Last bool
}

func (b *BatchUpload) bindings(network *string) []binding {
	return append(b.Terminal.identity(),
		required(11, &b.STAN),
		required(48, &b.Entries),
		required(60, field60{typeCode: TypeManagement, batch: &b.Batch, rest: network}))
}

// Message builds the 0320.
func (b BatchUpload) Message() (iso8583.Message, error) {
	network := NetworkBatchUpload
	if b.Last {
		network = NetworkBatchUploadEnd
	}
	return build(MTIBatchUpload, b.bindings(&network))
}

// ParseBatchUpload reads a batch upload.
func ParseBatchUpload(m iso8583.Message) (BatchUpload, error) {
	var b BatchUpload
	var network string
	err := parse(m, MTIBatchUpload, b.bindings(&network))
	b.Last = network == NetworkBatchUploadEnd
	return b, err
}
