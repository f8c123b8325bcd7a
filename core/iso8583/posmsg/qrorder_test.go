package posmsg

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"tilldesk/core/iso8583"
)

func sampleQROrder(op QROp) QROrder {
	o := QROrder{Op: op, Terminal: Terminal{ID: "00000001", MerchantID: "952718182217875", Currency: CurrencyCNY},
		STAN: 14, Batch: 1, Amount: 2372, Reference: "000000010000010000012"}
	switch op {
	case QRCreate:
		o.ValiditySeconds = 180
	default:
		o.STAN, o.Original = 15, Original{Batch: 1, STAN: 12}
	}
	return o
}

// Each operation builds the documented (Tilldesk's) fields, packs through the UnionPay
// codec, classifies as KindQROrder and parses back to the same values.
func TestQROrderTable(t *testing.T) {
	for _, tc := range []struct {
		op         QROp
		processing string
		de61       string
		de62       []byte
	}{
		{QRCreate, "000000", "", []byte("\x5F\x05\x15000000010000010000012\x5F\x06\x03180")},
		{QRQuery, "310000", "000001000012", []byte("\x5F\x05\x15000000010000010000012")},
		{QRClose, "200000", "000001000012", []byte("\x5F\x05\x15000000010000010000012")},
	} {
		t.Run(tc.op.String(), func(t *testing.T) {
			o := sampleQROrder(tc.op)
			m, err := o.Message()
			if err != nil {
				t.Fatal(err)
			}
			want := map[int]string{3: tc.processing, 4: "000000002372", 22: "030", 25: "99", 41: "00000001", 42: "952718182217875",
				49: "156", 60: "27000001" + Field60QR, 61: tc.de61}
			for n, v := range want {
				if got := m.Get(n); got != v {
					t.Errorf("DE%d = %q, want %q", n, got, v)
				}
			}
			if !bytes.Equal(m.Fields[62], tc.de62) {
				t.Errorf("DE62 = % X, want % X", m.Fields[62], tc.de62)
			}
			packed, err := iso8583.UnionPay.Pack(m)
			if err != nil {
				t.Fatal(err)
			}
			back, err := iso8583.UnionPay.Unpack(packed)
			if err != nil {
				t.Fatal(err)
			}
			if k := KindOf(back); k != KindQROrder {
				t.Fatalf("KindOf = %v", k)
			}
			got, err := ParseQROrder(back)
			if err != nil || !reflect.DeepEqual(got, o) {
				t.Fatalf("parsed %+v, %v; want %+v", got, err, o)
			}
		})
	}
}

func TestQROrderRefusesBadValues(t *testing.T) {
	for name, change := range map[string]func(*QROrder){
		"no reference":     func(o *QROrder) { o.Reference = "" },
		"long reference":   func(o *QROrder) { o.Reference = "12345678901234567890123456" },
		"reference symbol": func(o *QROrder) { o.Reference = "ORDER-1" },
		"bad op":           func(o *QROrder) { o.Op = 7 },
	} {
		o := sampleQROrder(QRQuery)
		change(&o)
		if _, err := o.Message(); !errors.Is(err, ErrValue) {
			t.Errorf("%s: err = %v, want ErrValue", name, err)
		}
	}
	// A QR sale is not a QR order, and a card DE22 is refused.
	m, _ := sampleQROrder(QRQuery).Message()
	m.Set(3, "400000")
	if _, err := ParseQROrder(m); !errors.Is(err, ErrKind) {
		t.Errorf("DE3 400000: %v", err)
	}
	m, _ = sampleQROrder(QRQuery).Message()
	m.Set(22, "051")
	if _, err := ParseQROrder(m); !errors.Is(err, ErrValue) {
		t.Errorf("DE22 051: %v", err)
	}
}

// The answer's status round-trips through a 0210 and its DE62.
func TestQROrderStatusAnswer(t *testing.T) {
	req, err := sampleQROrder(QRQuery).Message()
	if err != nil {
		t.Fatal(err)
	}
	r, err := EchoResponse(req, "00")
	if err != nil {
		t.Fatal(err)
	}
	st := QROrderStatus{Reference: "000000010000010000012", State: QRStatePaid, Payer: "623000*********0001"}
	if r.WorkingKeys, err = st.Encode(); err != nil {
		t.Fatal(err)
	}
	r.RRN, r.AuthCode = "000000100007", "123456"
	m, err := r.Message()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Answers(req); err != nil {
		t.Fatal(err)
	}
	back, err := ParseResponse(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseQROrderStatus(back.WorkingKeys)
	if err != nil || got != st {
		t.Fatalf("status %+v, %v", got, err)
	}
	for _, bad := range [][]byte{nil, {0x5F, 0x05, 0x01, '1'}, []byte("\x5F\x05\x011\x5F\x08\x019"), {0x5F}} {
		if _, err := ParseQROrderStatus(bad); !errors.Is(err, ErrValue) {
			t.Errorf("% X: %v", bad, err)
		}
	}
}
