package wallet

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// The example payload of the EMVCo specification ("EMV QR Code Specification for
// Payment Systems: Merchant-Presented Mode", Appendix A): two merchant account
// templates, the Chinese language template, tip indicator, additional data and an
// unreserved template, CRC A13A. Lengths count characters: "0104最佳运输" is 4.
const emvcoExample = "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A"

// CRC-16/CCITT-FALSE's catalogued check value: 0x29B1 for "123456789".
func TestCRC16CheckValue(t *testing.T) {
	if got := CRC16CCITTFalse([]byte("123456789")); got != 0x29B1 {
		t.Fatalf("CRC of 123456789 = %04X, want 29B1", got)
	}
	if got := AppendCRC(strings.TrimSuffix(emvcoExample, "6304A13A")); got != emvcoExample {
		t.Fatalf("AppendCRC of the EMVCo example = ...%s", got[len(got)-8:])
	}
}

func TestParseMPMSpecificationExample(t *testing.T) {
	m, objs, err := ParseMPM(emvcoExample)
	if err != nil {
		t.Fatal(err)
	}
	if EncodeObjects(objs) != emvcoExample {
		t.Fatal("the objects do not encode back to the example")
	}
	if m.Initiation != DynamicQR || m.MCC != "4111" || m.Currency != "156" || m.Amount != "23.72" || m.Country != "CN" ||
		m.Name != "BEST TRANSPORT" || m.City != "BEIJING" {
		t.Fatalf("fields: %+v", m)
	}
	if m.Language == nil || *m.Language != (Language{Preference: "ZH", Name: "最佳运输", City: "北京"}) {
		t.Fatalf("language template %+v", m.Language)
	}
	if len(m.Accounts) != 2 || m.Accounts[0].ID != "29" || fmt.Sprint(m.Accounts[0].Sub[0]) != "{00 D15600000000 []}" || fmt.Sprint(m.Accounts[1].Sub[1]) != "{03 12345678 []}" {
		t.Fatalf("merchant accounts %+v", m.Accounts)
	}
	if got := fmt.Sprint(m.Additional); got != "[{03 1234 []} {06 *** []} {07 A6008667 []} {09 ME []}]" {
		t.Fatalf("additional data %s", got)
	}
	if fen, err := ParseAmount(m.Amount); err != nil || fen != 2372 {
		t.Fatalf("amount %d, %v", fen, err)
	}
	// Rebuilt from its meaning, the example comes out in ID order with its own CRC,
	// and reads back the same.
	again, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	m2, _, err := ParseMPM(again)
	if err != nil || !reflect.DeepEqual(m2, m) {
		t.Fatalf("re-encoded %s: %+v, %v", again, m2, err)
	}
}

func TestMerchantQRUnionPay(t *testing.T) {
	m := MerchantQR{
		Initiation: DynamicQR, Accounts: []DataObject{UnionPayAccount("6233020000000000001")},
		MCC: "5411", Currency: "156", Amount: "12.50", Country: "CN", Name: "TILLDESK DEMO", City: "SHANGHAI",
		Additional: []DataObject{Object("05", "DEMO0001-0001"), Object("07", "DEMO0001")},
		Language:   &Language{Preference: "ZH", Name: "收银台演示超市", City: "上海"},
	}
	s, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s, "000201010212151962330200000000000015204541153031565405") || !strings.Contains(s, "64230002ZH0107收银台演示超市0202上海6304") {
		t.Fatalf("payload %s", s)
	}
	got, _, err := ParseMPM(s)
	if err != nil || !reflect.DeepEqual(got, m) {
		t.Fatalf("%s read back as %+v, %v", s, got, err)
	}
}

func TestParseMPMRefuses(t *testing.T) {
	body := strings.TrimSuffix(emvcoExample, "6304A13A")
	for name, s := range map[string]string{
		"bad crc":           body + "6304A13B",
		"lower-case crc":    AppendCRC(body)[:len(AppendCRC(body))-4] + "a13a",
		"no crc":            body,
		"crc not last":      AppendCRC(body) + "0000",
		"no format":         AppendCRC(strings.TrimPrefix(body, "000201")),
		"format 02":         AppendCRC("000202" + strings.TrimPrefix(body, "000201")),
		"length past end":   AppendCRC("00020101021229990012"),
		"id not digits":     AppendCRC("000201AB02xx"),
		"twice":             AppendCRC(body + "5802CN"),
		"no account":        AppendCRC("0002015204411153031565802CN"),
		"initiation 13":     AppendCRC(strings.Replace(body, "010212", "010213", 1)),
		"bad amount":        AppendCRC(strings.Replace(body, "540523.72", "54052,372", 1)),
		"template no guid":  AppendCRC(strings.Replace(body, "29300012D156000000000510A93FO3230Q", "29140510A93FO3230Q", 1)),
		"not utf-8":         AppendCRC(body + "62\xff"),
		"short tail":        AppendCRC(body + "5"),
		"language no name":  AppendCRC(strings.Replace(body, "64200002ZH0104最佳运输0202北京", "64060002ZH", 1)),
		"empty":             "",
		"amount zero":       AppendCRC(strings.Replace(body, "540523.72", "54040.00", 1)),
		"country lowercase": AppendCRC(strings.Replace(body, "5802CN", "5802cn", 1)),
	} {
		if _, _, err := ParseMPM(s); !errors.Is(err, ErrBadQR) {
			t.Errorf("%s: %v, want ErrBadQR", name, err)
		}
	}
}

func TestMerchantQREncodeRefuses(t *testing.T) {
	good := MerchantQR{Accounts: []DataObject{UnionPayAccount("1")}, MCC: "5411", Currency: "156", Country: "CN", Name: "N", City: "C"}
	if _, err := good.Encode(); err != nil {
		t.Fatal(err)
	}
	for name, change := range map[string]func(*MerchantQR){
		"long name":    func(m *MerchantQR) { m.Name = strings.Repeat("名", 26) },
		"value > 99":   func(m *MerchantQR) { m.Accounts = []DataObject{UnionPayAccount(strings.Repeat("1", 100))} },
		"account id":   func(m *MerchantQR) { m.Accounts = []DataObject{Object("63", "x")} },
		"mcc":          func(m *MerchantQR) { m.MCC = "541" },
		"no accounts":  func(m *MerchantQR) { m.Accounts = nil },
		"bad language": func(m *MerchantQR) { m.Language = &Language{Preference: "ZHO", Name: "x"} },
	} {
		m := good
		change(&m)
		if _, err := m.Encode(); !errors.Is(err, ErrBadQR) {
			t.Errorf("%s: %v, want ErrBadQR", name, err)
		}
	}
}

// The till's UnionPay payload reads back with ParseMPM (its CRC checked): dynamic,
// UnionPay account 15 = IIN + merchant, the amount, currency, country, reference and
// terminal labels and the Chinese template; a bit flipped fails the CRC.
func TestUnionPayPayload(t *testing.T) {
	p, err := UnionPayPayload(UnionPayOrder{AcquirerIIN: "39990156", MerchantID: "898310000000001", Reference: "TILL00010000010000012",
		TerminalID: "TILL0001", Amount: 2372, MCC: "5399", Name: "TILLDESK DEMO", City: "BEIJING", NameZH: "收银台演示店", CityZH: "北京"})
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := ParseMPM(p)
	if err != nil {
		t.Fatal(err)
	}
	if m.Initiation != DynamicQR || len(m.Accounts) != 1 || m.Accounts[0].ID != "15" || m.Accounts[0].Value != "39990156898310000000001" ||
		m.Amount != "23.72" || m.Currency != "156" || m.Country != "CN" || m.MCC != "5399" ||
		fmt.Sprint(m.Additional) != "[{05 TILL00010000010000012 []} {07 TILL0001 []}]" ||
		m.Language == nil || m.Language.Name != "收银台演示店" || m.Language.City != "北京" {
		t.Fatalf("payload %s reads %+v", p, m)
	}
	if want := fmt.Sprintf("%04X", CRC16CCITTFalse([]byte(p[:len(p)-4]))); !strings.HasSuffix(p, "6304"+want) {
		t.Fatalf("CRC of %s, want %s", p, want)
	}
	if _, _, err := ParseMPM(strings.Replace(p, "23.72", "23.73", 1)); !errors.Is(err, ErrBadQR) {
		t.Fatalf("changed amount: %v", err)
	}
	for _, bad := range []UnionPayOrder{{AcquirerIIN: "123", MerchantID: "898310000000001", Reference: "R", Amount: 1, MCC: "5399", Name: "N", City: "C"},
		{AcquirerIIN: "39990156", MerchantID: "898310000000001", Reference: "R", Amount: 0, MCC: "5399", Name: "N", City: "C"}} {
		if _, err := UnionPayPayload(bad); !errors.Is(err, ErrBadQR) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}
