package posmsg

import (
	"fmt"
	"strconv"
)

// Reconciliation results in DE48.5 / DE48.10 of a settlement. The request sends
// ReconcileNotChecked; the host answers with the others. The digits 1-3 are the
// usual reading of the UnionPay field ("对账应答码"); the published layout names the
// subfield but this package has not seen the code list itself, so the sandbox
// acquirer and the till agree on these constants.
const (
	ReconcileNotChecked   byte = '0'
	ReconcileInBalance    byte = '1'
	ReconcileOutOfBalance byte = '2'
	ReconcileError        byte = '3'
)

// CardTotals are one card group's totals in a settlement: debits (sales) and
// credits (voids, refunds) with their counts, and the reconciliation result.
type CardTotals struct {
	DebitAmount  Amount
	DebitCount   int
	CreditAmount Amount
	CreditCount  int
	Result       byte
}

// Totals is DE48 of a settlement (0500/0510): domestic ("内卡") then foreign ("外卡")
// card totals, each n12 amount + n3 count for debits and for credits and an n1
// result: 62 digits. Layout: FIELD_GROUP_48_TOTAL of vicky288/acnProj
// src/MessageStructure.java (eJPos SDK, BCDGroupField(48, 62, ...): 内卡借记总金额 12,
// 内卡借记总笔数 3, 内卡贷记总金额 12, 内卡贷记总笔数 3, 内卡对账应答码 1, then the same
// for 外卡).
type Totals struct {
	Domestic CardTotals
	Foreign  CardTotals
}

// totalsDigits is the length of DE48 in a settlement.
const totalsDigits = 62

func (t *Totals) encode() ([]byte, error) {
	var out []byte
	for _, c := range []CardTotals{t.Domestic, t.Foreign} {
		if c.DebitAmount < 0 || c.DebitAmount > MaxAmount || c.CreditAmount < 0 || c.CreditAmount > MaxAmount ||
			c.DebitCount < 0 || c.DebitCount > 999 || c.CreditCount < 0 || c.CreditCount > 999 {
			return nil, fmt.Errorf("%w: settlement totals out of range", ErrValue)
		}
		result := c.Result
		if result == 0 {
			result = ReconcileNotChecked
		}
		if result < '0' || result > '9' {
			return nil, fmt.Errorf("%w: reconciliation result must be a digit", ErrValue)
		}
		out = fmt.Appendf(out, "%012d%03d%012d%03d%c", int64(c.DebitAmount), c.DebitCount, int64(c.CreditAmount), c.CreditCount, result)
	}
	return out, nil
}

func (t *Totals) decode(b []byte) error {
	s := string(b)
	if len(s) != totalsDigits || !isDigits(s) {
		return fmt.Errorf("%w: settlement DE48 must be %d digits", ErrValue, totalsDigits)
	}
	group := func(s string) CardTotals {
		debit, _ := strconv.ParseInt(s[0:12], 10, 64)
		debitCount, _ := strconv.Atoi(s[12:15])
		credit, _ := strconv.ParseInt(s[15:27], 10, 64)
		creditCount, _ := strconv.Atoi(s[27:30])
		return CardTotals{Amount(debit), debitCount, Amount(credit), creditCount, s[30]}
	}
	*t = Totals{Domestic: group(s[:31]), Foreign: group(s[31:])}
	return nil
}

// Balanced reports whether the host found both card groups in balance.
func (t Totals) Balanced() bool {
	return t.Domestic.Result == ReconcileInBalance && t.Foreign.Result == ReconcileInBalance
}

// BatchEntry is one transaction in a batch upload: its DE60.1 type code, STAN and
// amount.
type BatchEntry struct {
	TypeCode string
	STAN     STAN
	Amount   Amount
}

// BatchEntries is DE48 of a batch upload (0320) in the Tilldesk dialect: a 2-digit
// count, then per transaction its type code (2), STAN (6) and amount (12). UnionPay
// gives 0320 DE48 as n...322 "交易明细" (eJPos FIELD_48_DETIAL) without a layout this
// package could check, so the sandbox acquirer and the till share this one; up to
// MaxBatchEntries fit.
type BatchEntries []BatchEntry

// MaxBatchEntries is how many entries fit one batch upload message.
const MaxBatchEntries = (322 - 2) / batchEntryDigits

// batchEntryDigits is the length of one entry.
const batchEntryDigits = 2 + 6 + 12

func (e *BatchEntries) encode() ([]byte, error) {
	if len(*e) == 0 {
		return nil, nil
	}
	if len(*e) > MaxBatchEntries {
		return nil, fmt.Errorf("%w: %d batch entries, at most %d per message", ErrValue, len(*e), MaxBatchEntries)
	}
	out := fmt.Appendf(nil, "%02d", len(*e))
	for _, x := range *e {
		if len(x.TypeCode) != 2 || !isDigits(x.TypeCode) || x.STAN > maxSixDigits || x.Amount < 0 || x.Amount > MaxAmount {
			return nil, fmt.Errorf("%w: batch entry %+v", ErrValue, x)
		}
		out = fmt.Appendf(out, "%s%06d%012d", x.TypeCode, uint32(x.STAN), int64(x.Amount))
	}
	return out, nil
}

func (e *BatchEntries) decode(b []byte) error {
	s := string(b)
	if len(s) < 2 || !isDigits(s) {
		return fmt.Errorf("%w: batch upload DE48 must be digits", ErrValue)
	}
	n, _ := strconv.Atoi(s[:2])
	if len(s) != 2+n*batchEntryDigits {
		return fmt.Errorf("%w: batch upload DE48 announces %d entries in %d digits", ErrValue, n, len(s))
	}
	entries := make(BatchEntries, n)
	for i := range entries {
		x := s[2+i*batchEntryDigits:]
		stan, _ := strconv.ParseUint(x[2:8], 10, 32)
		amount, _ := strconv.ParseInt(x[8:20], 10, 64)
		entries[i] = BatchEntry{TypeCode: x[:2], STAN: STAN(stan), Amount: Amount(amount)}
	}
	*e = entries
	return nil
}
