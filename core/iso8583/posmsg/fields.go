package posmsg

import (
	"fmt"
	"strconv"
	"strings"
)

// Field60 is DE60 of the UnionPay dialect, a string of digits: 60.1 transaction type
// code (2), 60.2 batch number (6), 60.3 network management information code (3),
// then later subfields (60.4 terminal read capability, 60.5 IC condition code, ...)
// kept as digits in More. Source: the 60.1/60.2/60.3 layout and codes in vicky288/
// acnProj src/MessageStructure.java (eJPos SDK: BCDGroupField(60, 11, ...)) and the
// published sign-on table "60.3 网络管理信息码 ... 单倍长密钥算法终端用 001/双倍长密钥算法
// 终端用 003/双倍长密钥算法（含磁道密钥）终端用 004".
type Field60 struct {
	TypeCode    string
	Batch       BatchNumber
	NetworkCode string
	More        string
}

// String is the field's digits.
func (f Field60) String() string {
	s := f.TypeCode + fmt.Sprintf("%06d", uint32(f.Batch))
	if f.NetworkCode != "" {
		s += f.NetworkCode + f.More
	}
	return s
}

// check validates the subfields.
func (f Field60) check() error {
	switch {
	case len(f.TypeCode) != 2 || !isDigits(f.TypeCode):
		return fmt.Errorf("%w: DE60.1 type code %q must be 2 digits", ErrValue, f.TypeCode)
	case f.Batch > maxSixDigits:
		return fmt.Errorf("%w: batch %d exceeds 999999", ErrValue, f.Batch)
	case f.NetworkCode != "" && (len(f.NetworkCode) != 3 || !isDigits(f.NetworkCode)):
		return fmt.Errorf("%w: DE60.3 network code %q must be 3 digits", ErrValue, f.NetworkCode)
	case f.NetworkCode == "" && f.More != "", f.More != "" && !isDigits(f.More):
		return fmt.Errorf("%w: DE60.4 onwards must be digits after a network code", ErrValue)
	}
	return nil
}

// ParseField60 splits DE60 into its subfields.
func ParseField60(s string) (Field60, error) {
	if len(s) < 8 || !isDigits(s) {
		return Field60{}, fmt.Errorf("%w: DE60 needs at least 8 digits", ErrValue)
	}
	batch, _ := strconv.ParseUint(s[2:8], 10, 32)
	f := Field60{TypeCode: s[:2], Batch: BatchNumber(batch)}
	if len(s) >= 11 {
		f.NetworkCode, f.More = s[8:11], s[11:]
	} else if len(s) > 8 {
		return Field60{}, fmt.Errorf("%w: DE60 has a partial network code", ErrValue)
	}
	return f, nil
}

// field60 binds DE60 of a message whose type code is fixed (checked when parsing):
// rest is everything after the batch number (60.3 onwards), possibly empty.
type field60 struct {
	typeCode string
	batch    *BatchNumber
	rest     *string
}

func (f field60) encode() ([]byte, error) {
	if *f.batch > maxSixDigits {
		return nil, fmt.Errorf("%w: batch %d exceeds 999999", ErrValue, *f.batch)
	}
	s := f.typeCode + fmt.Sprintf("%06d", uint32(*f.batch)) + *f.rest
	v, err := ParseField60(s)
	if err == nil {
		err = v.check()
	}
	if err != nil {
		return nil, err
	}
	return []byte(s), nil
}

func (f field60) decode(b []byte) error {
	v, err := ParseField60(string(b))
	if err != nil {
		return err
	}
	if v.TypeCode != f.typeCode {
		return fmt.Errorf("%w: DE60.1 type code %s, want %s", ErrKind, v.TypeCode, f.typeCode)
	}
	*f.batch, *f.rest = v.Batch, string(b[8:])
	return nil
}

// Original identifies the original transaction of a void or refund in DE61: 61.1
// batch (6), 61.2 POS trace number (6), 61.3 date MMDD (4, refunds), the layout of
// eJPos FIELD_61_1..3. A zero batch or STAN is sent as 000000 (unknown).
type Original struct {
	Batch BatchNumber
	STAN  STAN
	Date  string
}

func (o *Original) encode() ([]byte, error) {
	if o.Batch > maxSixDigits || o.STAN > maxSixDigits {
		return nil, fmt.Errorf("%w: original batch or trace exceeds 999999", ErrValue)
	}
	if o.Date != "" && (len(o.Date) != 4 || !isDigits(o.Date)) {
		return nil, fmt.Errorf("%w: original date must be MMDD", ErrValue)
	}
	return fmt.Appendf(nil, "%06d%06d%s", uint32(o.Batch), uint32(o.STAN), o.Date), nil
}

func (o *Original) decode(b []byte) error {
	s := string(b)
	if len(s) < 12 || !isDigits(s) {
		return fmt.Errorf("%w: DE61 needs at least 12 digits", ErrValue)
	}
	batch, _ := strconv.ParseUint(s[:6], 10, 32)
	stan, _ := strconv.ParseUint(s[6:12], 10, 32)
	*o = Original{Batch: BatchNumber(batch), STAN: STAN(stan)}
	if len(s) >= 16 {
		o.Date = s[12:16]
	}
	return nil
}

// OriginalData is DE90 (n42) of ISO 8583:1987, the ISO way to name the message a
// reversal reverses: original MTI (4), STAN (6), transmission date and time
// MMDDhhmmss (10), acquiring and forwarding institution IDs (11 each, zero-padded).
type OriginalData struct {
	MTI              string
	STAN             STAN
	TransmissionTime string
	AcquirerID       string
	ForwarderID      string
}

func (o *OriginalData) encode() ([]byte, error) {
	if len(o.MTI) != 4 || !isDigits(o.MTI) || len(o.TransmissionTime) != 10 || !isDigits(o.TransmissionTime) ||
		len(o.AcquirerID) > 11 || len(o.ForwarderID) > 11 || o.STAN > maxSixDigits {
		return nil, fmt.Errorf("%w: DE90 needs MTI n4, STAN, time n10 and IDs of at most 11 digits", ErrValue)
	}
	s := fmt.Sprintf("%s%06d%s%011s%011s", o.MTI, uint32(o.STAN), o.TransmissionTime, o.AcquirerID, o.ForwarderID)
	s = strings.ReplaceAll(s, " ", "0")
	if !isDigits(s) {
		return nil, fmt.Errorf("%w: DE90 institution IDs must be digits", ErrValue)
	}
	return []byte(s), nil
}

func (o *OriginalData) decode(b []byte) error {
	s := string(b)
	if len(s) != 42 || !isDigits(s) {
		return fmt.Errorf("%w: DE90 must be 42 digits", ErrValue)
	}
	stan, _ := strconv.ParseUint(s[4:10], 10, 32)
	*o = OriginalData{MTI: s[:4], STAN: STAN(stan), TransmissionTime: s[10:20], AcquirerID: s[20:31], ForwarderID: s[31:42]}
	return nil
}
