package scanner

import (
	"errors"
	"fmt"

	"tilldesk/devices"
)

// USB HID POS scanners (the "HID POS" or "USB HID Bar Code Scanner" interface of
// Honeywell, Zebra, Datalogic, Access-IS and others) send each code in Scanned Data
// Reports. The usages come from the USB-IF "HID Point of Sale Usage Tables" 1.02,
// section 3, usage page 0x8C Bar Code Scanner: Scanned Data Report (0x12),
// Symbology Identifier 1-3 (0xFB-0xFD), Decoded Data (0xFE) and Decode Data
// Continued (0xFF, a dynamic flag). The spec leaves the byte layout to each device's
// report descriptor; the devices above all use the same 64-byte input report,
// documented in the Access-IS LSR116/ATR110 product manuals (appendix "HID reports -
// Receive data") and in Honeywell's HID POS report descriptor and host driver
// (HIDPOS_BARCODE_ID 2, HIDPOS_BARCODE_SIZE 56, "Bit0=Decode Data Continued"); the
// captures in github.com/HenkVanAsselt/python_hon_usbhid (README) match it:
//
//	byte  0      report ID, 0x02
//	byte  1      number of valid bytes in the decoded-data field (0-56)
//	bytes 2-4    symbology identifier 1-3: the AIM identifier, e.g. "]E0" (EAN-13)
//	bytes 5-60   decoded data, zero-padded
//	bytes 61-62  vendor (Honeywell: its own code ID, then reserved)
//	byte  63     bit 0: Decode Data Continued, more reports of this code follow
//
// A code longer than 56 bytes comes as several reports, each but the last with the
// continued flag set (Access-IS: "byte 63 is 0x01 in the first report and 0x00 in the
// second"). hidapi on Linux and macOS returns the report ID as the first byte.
const (
	HIDReportID   = 0x02 // report ID of the Scanned Data Report
	HIDReportSize = 64   // bytes in a Scanned Data Report, report ID included

	hidLenAt     = 1
	hidAIMAt     = 2
	hidDataAt    = 5
	hidMaxData   = 56
	hidFlagsAt   = 63
	hidContinued = 0x01
	hidMinReport = hidDataAt // report ID, length, symbology
)

// ErrNotScanData marks a HID report that is not a Scanned Data Report (a trigger or
// status report, say); HIDAssembler skips those.
var ErrNotScanData = errors.New("not a scanned data report")

// DecodeHIDReport decodes one HID POS Scanned Data Report: chunk is this report's part
// of the code (a slice of report), complete is false when the Decode Data Continued
// flag says more reports follow. A report without the flag byte (shorter than 64
// bytes) is taken as complete. Malformed reports give an error wrapping
// devices.ErrProtocol; other report IDs give ErrNotScanData.
func DecodeHIDReport(report []byte) (chunk []byte, complete bool, err error) {
	if len(report) == 0 {
		return nil, false, fmt.Errorf("empty HID report: %w", devices.ErrProtocol)
	}
	if report[0] != HIDReportID {
		return nil, false, fmt.Errorf("HID report id %#02x: %w", report[0], ErrNotScanData)
	}
	if len(report) < hidMinReport {
		return nil, false, fmt.Errorf("HID scanned data report of %d bytes, want at least %d: %w", len(report), hidMinReport, devices.ErrProtocol)
	}
	n := int(report[hidLenAt])
	if n > hidMaxData || hidDataAt+n > len(report) {
		return nil, false, fmt.Errorf("HID scanned data length %d does not fit a %d-byte report: %w", n, len(report), devices.ErrProtocol)
	}
	continued := len(report) > hidFlagsAt && report[hidFlagsAt]&hidContinued != 0
	return report[hidDataAt : hidDataAt+n], !continued, nil
}

// HIDSymbology returns the AIM symbology identifier of a Scanned Data Report ("]E0"
// for EAN-13, "]Q1" for QR), or "" when the report has none.
func HIDSymbology(report []byte) string {
	if len(report) < hidDataAt || report[0] != HIDReportID || report[hidAIMAt] == 0 {
		return ""
	}
	s, _ := clean(report[hidAIMAt:hidDataAt], nil)
	return s
}

// HIDAssembler joins the Scanned Data Reports of a HID POS scanner into scans. It is
// the Decoder for a devices/hid port, whose every Read returns one report. Reports
// that are not scanned data are skipped; a malformed report drops the code it was
// part of, up to the next report that ends a code. The zero value is ready to use.
type HIDAssembler struct {
	MaxLen int // longest code in bytes; 0 means DefaultMaxLen

	buf        []byte
	discarding bool // the current code is over-long or broken: skip to its last report
	errCount
}

var _ Decoder = (*HIDAssembler)(nil)

// Feed takes one report and returns the scan it completes, if any.
func (a *HIDAssembler) Feed(report []byte) []string {
	chunk, complete, err := DecodeHIDReport(report)
	switch {
	case errors.Is(err, ErrNotScanData):
		return nil
	case err != nil:
		// The chain is broken: the code this report belonged to cannot be whole. Skip
		// up to the next report that ends a code: a tail taken for a code would be a
		// wrong item on the sale, a dropped scan only a missing beep.
		a.add(err)
		a.buf, a.discarding = a.buf[:0], true
		return nil
	}
	if !a.discarding {
		a.buf = append(a.buf, chunk...)
		if len(a.buf) > maxLen(a.MaxLen) {
			a.add(tooLong(maxLen(a.MaxLen)))
			a.buf, a.discarding = a.buf[:0], true
		}
	}
	if !complete {
		return nil
	}
	defer a.Reset()
	if a.discarding {
		return nil
	}
	s, dropped := clean(a.buf, nil)
	if dropped > 0 {
		a.add(fmt.Errorf("dropped %d non-printable bytes from a HID scan: %w", dropped, devices.ErrProtocol))
	}
	if s == "" {
		return nil
	}
	return []string{s}
}

// Flush returns nothing: a HID code ends with its last report, never with a gap.
func (a *HIDAssembler) Flush() []string { return nil }

// Reset drops a partly assembled code, returning how many bytes it held.
func (a *HIDAssembler) Reset() int {
	n := len(a.buf)
	a.buf, a.discarding = a.buf[:0], false
	return n
}

// HIDReports encodes a code as the Scanned Data Reports a HID POS scanner sends for
// it (the layout above): 56 bytes a report, the continued flag on all but the last.
// symbology is the AIM identifier ("]E0"), cut or zero-padded to 3 bytes. It is the
// scanner's side, for simulators and tests.
func HIDReports(symbology string, code []byte) [][]byte {
	var out [][]byte
	for first := true; first || len(code) > 0; first = false {
		r := make([]byte, HIDReportSize)
		r[0] = HIDReportID
		copy(r[hidAIMAt:hidDataAt], symbology)
		n := copy(r[hidDataAt:hidDataAt+hidMaxData], code)
		r[hidLenAt] = byte(n)
		code = code[n:]
		if len(code) > 0 {
			r[hidFlagsAt] = hidContinued
		}
		out = append(out, r)
	}
	return out
}
