package catalog

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

const header = "code,name_zh,name_en,price,tax_rate,unit,weighed\n"

func TestReadCSVGood(t *testing.T) {
	in := header +
		"4006381333931,荧光笔,STABILO Highlighter,8.90,13,支,no\n" +
		"96385074, 口香糖 , Chewing Gum ,2.5,13,条,\n" +
		"036000291452,纸巾,\"Tissues, 3-ply\",12,6.5%,盒,n\n" +
		"\n" + // blank lines are skipped
		"P001,苹果,Apple,¥12.80,9,kg,yes\n" +
		"P002,香蕉,,6.98,9.00,kg,是\n" +
		"P003,,Free sample,0,0,个,0\n"
	ps, rowErrs, err := ReadCSV(strings.NewReader(in))
	if err != nil || len(rowErrs) != 0 {
		t.Fatalf("ReadCSV: err=%v rowErrs=%v", err, rowErrs)
	}
	want := []Product{
		{Code: "4006381333931", NameZH: "荧光笔", NameEN: "STABILO Highlighter", Price: 890, TaxBP: 1300, Unit: "支"},
		{Code: "96385074", NameZH: "口香糖", NameEN: "Chewing Gum", Price: 250, TaxBP: 1300, Unit: "条"},
		{Code: "036000291452", NameZH: "纸巾", NameEN: "Tissues, 3-ply", Price: 1200, TaxBP: 650, Unit: "盒"},
		{Code: "P001", NameZH: "苹果", NameEN: "Apple", Price: 1280, TaxBP: 900, Unit: "kg", Weighed: true},
		{Code: "P002", NameZH: "香蕉", Price: 698, TaxBP: 900, Unit: "kg", Weighed: true},
		{Code: "P003", NameEN: "Free sample", Price: 0, TaxBP: 0, Unit: "个"},
	}
	if !reflect.DeepEqual(ps, want) {
		t.Errorf("ReadCSV products:\n got %+v\nwant %+v", ps, want)
	}
}

func TestReadCSVHeaderVariants(t *testing.T) {
	row := "4006381333931,荧光笔,Pen,8.90,13,支,no\n"
	for name, h := range map[string]string{
		"BOM":          "\ufeff" + header,
		"BOM and CRLF": "\ufeffcode,name_zh,name_en,price,tax_rate,unit,weighed\r\n",
		"upper case":   "CODE,Name_ZH,Name_EN,PRICE,Tax_Rate,Unit,Weighed\n",
		"spaces":       "code, name_zh, name_en , price,tax_rate ,unit,weighed\n",
		"quoted":       "\"code\",\"name_zh\",\"name_en\",\"price\",\"tax_rate\",\"unit\",\"weighed\"\n",
	} {
		ps, rowErrs, err := ReadCSV(strings.NewReader(h + row))
		if err != nil || len(rowErrs) != 0 || len(ps) != 1 || ps[0].Code != "4006381333931" {
			t.Errorf("%s: ReadCSV = %+v, %v, %v", name, ps, rowErrs, err)
		}
	}
}

func TestReadCSVWrongHeaderIsFatal(t *testing.T) {
	row := "4006381333931,荧光笔,Pen,8.90,13,支,no\n"
	for name, in := range map[string]string{
		"empty file":      "",
		"missing column":  "code,name_zh,name_en,price,tax_rate,unit\n" + row,
		"extra column":    "code,name_zh,name_en,price,tax_rate,unit,weighed,notes\n" + row,
		"renamed column":  "barcode,name_zh,name_en,price,tax_rate,unit,weighed\n" + row,
		"swapped columns": "code,name_en,name_zh,price,tax_rate,unit,weighed\n" + row,
		"no header":       row + row,
	} {
		ps, rowErrs, err := ReadCSV(strings.NewReader(in))
		if err == nil || errors.Is(err, ErrNoRows) {
			t.Errorf("%s: err = %v, want a fatal header error", name, err)
		}
		if ps != nil || rowErrs != nil {
			t.Errorf("%s: got products %v and row errors %v with a fatal error", name, ps, rowErrs)
		}
	}
}

func TestReadCSVNoRows(t *testing.T) {
	ps, rowErrs, err := ReadCSV(strings.NewReader(header))
	if !errors.Is(err, ErrNoRows) || ps != nil || len(rowErrs) != 0 {
		t.Errorf("header only: %v, %v, %v; want ErrNoRows", ps, rowErrs, err)
	}
	ps, rowErrs, err = ReadCSV(strings.NewReader(header + "P1,x,y,abc,13,个,no\n"))
	if !errors.Is(err, ErrNoRows) || ps != nil || len(rowErrs) != 1 || rowErrs[0].Line != 2 {
		t.Errorf("only a bad row: %v, %v, %v; want ErrNoRows with the row error", ps, rowErrs, err)
	}
}

func TestReadCSVBadRows(t *testing.T) {
	lines := []string{
		/* 1 */ strings.TrimSuffix(header, "\n"),
		/* 2 */ "4006381333931,荧光笔,Pen,8.90,13,支,no",
		/* 3 */ "4006381333932,荧光笔,Pen,8.90,13,支,no",
		/* 4 */ "P010,苹果,Apple,abc,9,kg,yes",
		/* 5 */ "P011,苹果,Apple,1.234,9,kg,yes",
		/* 6 */ "P012,苹果,Apple,1.23,101,kg,yes",
		/* 7 */ "P013,苹果,Apple,1.23,x,kg,yes",
		/* 8 */ "4006381333931,重复,Dup,1.00,13,支,no",
		/* 9 */ "P014,苹果,Apple,1.23,9,kg",
		/* 10 */ "P015,苹果,Apple,1.23,9,kg,maybe",
		/* 11 */ "P016,,,1.00,13,个,no",
		/* 12 */ "P017,x,y,-1,13,个,no",
		/* 13 */ "P 018,x,y,1,13,个,no",
		/* 14 */ "P019,x,y,1,6.125,个,no",
		/* 15 */ "P020,x,y,100000000,13,个,no",
		/* 16 */ "",
		/* 17 */ "P021,\"多行",
		/* 18 */ "名字\",Two lines,3.00,13,个,no",
		/* 19 */ "P022,x,y,1.2.3,13,个,no",
		/* 20 */ "P023,x\"y,z,1,13,个,no",
		/* 21 */ "P024,x,y,1,13,个,no,extra",
		/* 22 */ "96385074,口香糖,Gum,2.50,13,条,no",
	}
	in := strings.Join(lines, "\n") + "\n"
	ps, rowErrs, err := ReadCSV(strings.NewReader(in))
	if err != nil {
		t.Fatalf("ReadCSV: %v", err)
	}
	if got := codes(ps); got != "4006381333931 P021 96385074" {
		t.Errorf("good products = [%s], want [4006381333931 P021 96385074]", got)
	}
	want := []struct {
		line   int
		reason string
	}{
		{3, "wrong check digit"},
		{4, `price "abc"`},
		{5, `price "1.234"`},
		{6, `tax rate "101"`},
		{7, `tax rate "x"`},
		{8, "already on line 2"},
		{9, "has 6 columns, want 7"},
		{10, `weighed "maybe"`},
		{11, "no name"},
		{12, `price "-1"`},
		{13, "not a barcode or store code"},
		{14, `tax rate "6.125"`},
		{15, `price "100000000"`},
		{19, `price "1.2.3"`},
		{20, `bare "`},
		{21, "has 8 columns, want 7"},
	}
	if len(rowErrs) != len(want) {
		t.Fatalf("got %d row errors, want %d:\n%v", len(rowErrs), len(want), rowErrs)
	}
	for i, w := range want {
		got := rowErrs[i]
		if got.Line != w.line || !strings.Contains(got.Reason, w.reason) {
			t.Errorf("row error %d = %q, want line %d with %q", i, got.Error(), w.line, w.reason)
		}
		if !strings.HasPrefix(got.Error(), "line ") {
			t.Errorf("RowError.Error() = %q, want it to start with the line", got.Error())
		}
	}
}

func TestReadCSVUnterminatedQuoteReportsRowStart(t *testing.T) {
	in := header +
		"P001,苹果,Apple,1,9,kg,yes\n" +
		"\"P002,香蕉,Banana,1,9,kg,yes\n" + // line 3: quote never closed
		"P003,梨,Pear,1,9,kg,yes\n"
	ps, rowErrs, err := ReadCSV(strings.NewReader(in))
	if err != nil {
		t.Fatalf("ReadCSV: %v", err)
	}
	if codes(ps) != "P001" {
		t.Errorf("products = [%s], want [P001]", codes(ps))
	}
	if len(rowErrs) != 1 || rowErrs[0].Line != 3 {
		t.Errorf("row errors = %v, want one on line 3", rowErrs)
	}
}

func TestParsePercentBP(t *testing.T) {
	good := map[string]int64{
		"13": 1300, "9": 900, "6.5": 650, "6.50": 650, "0": 0, "0.01": 1,
		"100": 10000, "13%": 1300, " 9 ": 900, "00013": 1300, "7.": 700,
	}
	for in, want := range good {
		got, err := parsePercentBP(in)
		if err != nil || got != want {
			t.Errorf("parsePercentBP(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "%", ".5", "6.125", "-1", "100.01", "101", "x", "1,3", "1e2", "13%%"} {
		if got, err := parsePercentBP(in); err == nil {
			t.Errorf("parsePercentBP(%q) = %d, want an error", in, got)
		}
	}
}

func TestWeighedValues(t *testing.T) {
	tests := map[string]bool{
		"yes": true, "YES": true, "y": true, "1": true, "true": true, "True": true, "是": true,
		"no": false, "N": false, "0": false, "false": false, "否": false, "": false,
	}
	for in, want := range tests {
		ps, rowErrs, err := ReadCSV(strings.NewReader(header + "P1,苹果,Apple,1,9,kg," + in + "\n"))
		if err != nil || len(rowErrs) != 0 || ps[0].Weighed != want {
			t.Errorf("weighed %q: %v, %v, %v; want Weighed=%v", in, ps, rowErrs, err, want)
		}
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	in := []Product{
		{Code: "4006381333931", NameZH: "荧光笔", NameEN: "STABILO Highlighter", Price: 890, TaxBP: 1300, Unit: "支"},
		{Code: "96385074", NameZH: "口香糖, 薄荷", NameEN: `Gum "Mint"`, Price: 250, TaxBP: 650, Unit: "条"},
		{Code: "036000291452", NameZH: "", NameEN: "Tissues\nbox", Price: 0, TaxBP: 0, Unit: "盒"},
		{Code: "P001", NameZH: "苹果", NameEN: "", Price: 1280, TaxBP: 901, Unit: "kg", Weighed: true},
		{Code: "BIG-1", NameZH: "金条", NameEN: "Gold", Price: 9999999999, TaxBP: MaxTaxBP, Unit: "根"},
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, in); err != nil {
		t.Fatalf("WriteCSV: %v", err)
	}
	if !strings.HasPrefix(buf.String(), strings.TrimSuffix(header, "\n")) {
		t.Errorf("WriteCSV output does not start with the header:\n%s", buf.String())
	}
	if !strings.Contains(buf.String(), "P001,苹果,,12.80,9.01,kg,yes") {
		t.Errorf("WriteCSV output lacks the expected P001 row:\n%s", buf.String())
	}
	out, rowErrs, err := ReadCSV(&buf)
	if err != nil || len(rowErrs) != 0 {
		t.Fatalf("ReadCSV of WriteCSV output: %v, %v", err, rowErrs)
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("round trip:\n got %+v\nwant %+v", out, in)
	}
}

func TestDemoCatalog(t *testing.T) {
	f, err := os.Open("../../assets/catalog/demo.csv")
	if err != nil {
		t.Fatalf("open demo catalog: %v", err)
	}
	defer f.Close()
	ps, rowErrs, err := ReadCSV(f)
	if err != nil {
		t.Fatalf("ReadCSV demo: %v", err)
	}
	if len(rowErrs) != 0 {
		t.Errorf("demo catalog has row errors: %v", rowErrs)
	}
	if len(ps) < 40 || len(ps) > 70 {
		t.Errorf("demo catalog has %d products, want about 50", len(ps))
	}
	weighed, gs1 := 0, 0
	for _, p := range ps {
		if err := p.Validate(); err != nil {
			t.Errorf("demo product %s: %v", p.Code, err)
		}
		if p.NameZH == "" || p.NameEN == "" {
			t.Errorf("demo product %s lacks a Chinese or English name", p.Code)
		}
		if p.Weighed {
			weighed++
			if p.Unit != "kg" {
				t.Errorf("weighed demo product %s is sold per %q, want kg", p.Code, p.Unit)
			}
		}
		if kind, _ := ClassifyCode(p.Code); kind != KindInternal {
			gs1++
		}
	}
	if weighed == 0 {
		t.Error("demo catalog has no weighed items")
	}
	if gs1 == 0 {
		t.Error("demo catalog has no GS1 barcodes")
	}
	c := New(ps)
	if c.Len() != len(ps) {
		t.Errorf("demo catalog has duplicate codes: %d products, %d codes", len(ps), c.Len())
	}
}
