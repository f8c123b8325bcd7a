package app

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"tilldesk/core/journal"
	"tilldesk/core/receipt"
	"tilldesk/core/refund"
)

// browseJournal fills a journal: journal.created (1), sales on 26, 27 and 28 Nov
// (2, 3, 4), a cancelled sale (5) and a refund of sale 4 (6).
func browseJournal(t *testing.T) (*refundFixture, *Browser) {
	t.Helper()
	f := newRefundFixture(t)
	f.sell(t, []string{water})
	f.clock.advance(24 * time.Hour)
	f.sell(t, []string{noodles})
	f.clock.advance(24 * time.Hour)
	third := f.sell(t, []string{"2*" + water})
	f.till.Scan(noodles)
	if err := f.till.Cancel(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.refund(third.Number, refundUnits(1, 1)); err != nil {
		t.Fatal(err)
	}
	return f, NewBrowser(f.till)
}

func seqs(rows []RecordRow) string {
	var out []string
	for _, r := range rows {
		out = append(out, fmt.Sprint(r.Seq))
	}
	return strings.Join(out, ",")
}

func TestBrowsePagesNewestFirst(t *testing.T) {
	_, b := browseJournal(t)
	page, err := b.Page(BrowseQuery{}, 0, 4)
	if err != nil || seqs(page.Rows) != "6,5,4,3" || page.Next != 3 {
		t.Fatalf("first page %s next %d, %v", seqs(page.Rows), page.Next, err)
	}
	page, err = b.Page(BrowseQuery{}, page.Next, 4)
	if err != nil || seqs(page.Rows) != "2,1" || page.Next != 0 {
		t.Fatalf("second page %s next %d, %v", seqs(page.Rows), page.Next, err)
	}
	day := func(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		name string
		q    BrowseQuery
		want string
	}{
		{"sales", BrowseQuery{Kind: journal.KindSaleCompleted}, "4,3,2"},
		{"refunds", BrowseQuery{Kind: refund.Kind}, "6"},
		{"chinese product name", BrowseQuery{Text: "农夫山泉"}, "4,2"},
		{"any case", BrowseQuery{Text: "NOODLES"}, "5,3"},
		{"receipt number", BrowseQuery{Text: "DEMO0001-00000003"}, "3"},
		{"original receipt of a refund", BrowseQuery{Kind: refund.Kind, Text: "DEMO0001-00000004"}, "6"},
		{"a day", BrowseQuery{From: day(27), To: day(28)}, "3"},
		{"kind and text", BrowseQuery{Kind: journal.KindSaleCompleted, Text: "water"}, "4,2"},
		{"nothing", BrowseQuery{Text: "no such thing"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page, err := b.Page(tc.q, 0, 10)
			if err != nil || seqs(page.Rows) != tc.want || page.Next != 0 {
				t.Fatalf("rows %s next %d, %v; want %s", seqs(page.Rows), page.Next, err, tc.want)
			}
		})
	}
	page, _ = b.Page(BrowseQuery{Kind: refund.Kind}, 0, 1)
	if r := page.Rows[0]; r.Receipt != "DEMO0001-00000006" || r.Original != "DEMO0001-00000004" || r.Amount != 200 || fmt.Sprint(r.Methods) != "[cash]" {
		t.Errorf("refund row %+v", r)
	}
	page, _ = b.Page(BrowseQuery{Kind: journal.KindSaleCompleted}, 0, 1)
	if r := page.Rows[0]; r.Receipt != "DEMO0001-00000004" || r.Amount != 400 || r.Items != 2 || page.Next != 4 {
		t.Errorf("sale row %+v, next %d", r, page.Next)
	}
}

func TestBrowseRecordDetail(t *testing.T) {
	f, b := browseJournal(t)
	d, err := b.Record(4)
	if err != nil || d.Sale == nil || d.Sale.Number != "DEMO0001-00000004" || d.Sale.Sale.Totals().Total != 400 {
		t.Fatalf("sale detail %+v, %v", d, err)
	}
	if !strings.Contains(d.Pretty, "\n  \"kind\": \"sale.completed\"") || !strings.Contains(d.Pretty, "\n      \"lines\": [") {
		t.Errorf("pretty record:\n%s", d.Pretty)
	}
	d, err = b.Record(6)
	if err != nil || d.Refund == nil || d.Refund.Number != "DEMO0001-00000006" || d.Refund.Original == nil {
		t.Fatalf("refund detail %+v, %v", d, err)
	}
	text := receipt.Text(f.till.RefundRows(d.Refund, "zh", func(k string) string { return k }), 48)
	for _, want := range []string{"refund.title", "农夫山泉", "-¥2.00", "DEMO0001-00000004", "refund.reason.damaged", "mgr-01"} {
		if !strings.Contains(text, want) {
			t.Errorf("refund receipt lacks %q:\n%s", want, text)
		}
	}
	if d, err := b.Record(5); err != nil || d.Sale != nil || d.Refund != nil || d.Record.Kind != journal.KindSaleCancelled {
		t.Errorf("cancelled sale detail %+v, %v", d, err)
	}
	if _, err := b.Record(99); err == nil {
		t.Error("record 99 of 6 found")
	}
}

func TestBrowseExportTheFilteredSet(t *testing.T) {
	_, b := browseJournal(t)
	for _, tc := range []struct {
		format string
		q      BrowseQuery
		n      int
		has    []string
	}{
		{"csv", BrowseQuery{}, 6, []string{"seq,terminal,time,kind,data,prev,hash\n", ",journal.created,", ",refund,"}},
		{"csv", BrowseQuery{Kind: journal.KindSaleCompleted}, 3, []string{",sale.completed,"}},
		{"csv", BrowseQuery{Text: "noodles"}, 2, []string{"seq,terminal", ",sale.cancelled,", ",sale.completed,"}},
		{"jsonl", BrowseQuery{Text: "农夫山泉"}, 2, []string{`"seq":2,`, `"seq":4,`}},
		{"jsonl", BrowseQuery{Kind: refund.Kind, Text: "DEMO0001-00000004"}, 1, []string{`"kind":"refund"`}},
	} {
		var buf bytes.Buffer
		n, err := b.Export(&buf, tc.format, tc.q)
		lines := strings.Count(buf.String(), "\n")
		if tc.format == "csv" {
			lines-- // the header
		}
		if err != nil || n != tc.n || lines != tc.n {
			t.Errorf("export %s %+v: %d records, %d lines, %v; want %d", tc.format, tc.q, n, lines, err, tc.n)
		}
		for _, want := range tc.has {
			if !strings.Contains(buf.String(), want) {
				t.Errorf("export %s %+v lacks %q:\n%s", tc.format, tc.q, want, buf.String())
			}
		}
	}
	if _, err := b.Export(&bytes.Buffer{}, "xml", BrowseQuery{}); err == nil {
		t.Error("exporting xml worked")
	}
}
