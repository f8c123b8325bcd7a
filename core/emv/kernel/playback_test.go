package kernel

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"tilldesk/core/emv/emvtest"
	"tilldesk/core/emv/tlv"
)

var unhex = emvtest.Hex

// step is one recorded exchange: the command the kernel must send (hex; a trailing
// "*" accepts any bytes after the prefix, for commands carrying an unpredictable
// number) and the card's response.
type step struct {
	cmd, resp string
}

// playback is an APDU emulator in the style of emv-utils' emv_cardreader_emul: it
// checks every command against the script, byte for byte, and answers from it.
type playback struct {
	t     testing.TB
	steps []step
	next  int
	fail  error // returned instead of answering, once the script is used up
}

func play(t testing.TB, steps ...step) *playback { return &playback{t: t, steps: steps} }

func (p *playback) Transmit(apdu []byte) ([]byte, error) {
	p.t.Helper()
	if p.next >= len(p.steps) {
		if p.fail != nil {
			return nil, p.fail
		}
		p.t.Errorf("unexpected command %X after the script's %d exchanges", apdu, len(p.steps))
		return nil, errors.New("playback: script used up")
	}
	s := p.steps[p.next]
	p.next++
	want := strings.ReplaceAll(s.cmd, " ", "")
	got := strings.ToUpper(hex.EncodeToString(apdu))
	if prefix, wild := strings.CutSuffix(want, "*"); wild {
		if !strings.HasPrefix(got, strings.ToUpper(prefix)) {
			p.t.Errorf("exchange %d: command %s, want %s...", p.next, got, prefix)
		}
	} else if !strings.EqualFold(got, want) {
		p.t.Errorf("exchange %d: command %s, want %s", p.next, got, want)
	}
	return unhex(p.t, s.resp), nil
}

// done fails the test if the script was not played to the end.
func (p *playback) done() {
	p.t.Helper()
	if p.next != len(p.steps) {
		p.t.Errorf("%d of %d exchanges played", p.next, len(p.steps))
	}
}

// counterRandom is a deterministic "random" source: 0x11, 0x22, ... repeating.
type counterRandom struct{ n byte }

func (r *counterRandom) Read(b []byte) (int, error) {
	for i := range b {
		r.n += 0x11
		b[i] = r.n
	}
	return len(b), nil
}

// fixedRandom returns the same bytes forever.
type fixedRandom []byte

func (r fixedRandom) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = r[i%len(r)]
	}
	return len(b), nil
}

// testDate is the transaction date of the tests: 2025-05-06, the date of the
// emv-utils CDA vector.
var testDate = time.Date(2025, 5, 6, 10, 30, 0, 0, time.UTC)

// emvUtilsAIDs is the terminal AID list of the emv-utils selection tests
// (tests/emv_build_candidate_list_test.c): Visa credit, Visa Electron, V PAY,
// Mastercard (partial selection), Maestro.
func emvUtilsAIDs() []AIDConfig {
	return []AIDConfig{
		{AID: unhexS("A0000000031010"), Label: "VISA", ApplicationVersion: [2]byte{0x00, 0x8C}},
		{AID: unhexS("A0000000032010"), Label: "VISA ELECTRON", ApplicationVersion: [2]byte{0x00, 0x8C}},
		{AID: unhexS("A0000000032020"), Label: "V PAY", ApplicationVersion: [2]byte{0x00, 0x8C}},
		{AID: unhexS("A0000000041010"), Label: "MASTERCARD", PartialSelection: true, ApplicationVersion: [2]byte{0x00, 0x02}},
		{AID: unhexS("A0000000043060"), Label: "MAESTRO", ApplicationVersion: [2]byte{0x00, 0x02}},
	}
}

func unhexS(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// testConfig is a Chinese countertop terminal: country and currency 156, type 22,
// capabilities E0F8C8, with the emv-utils AID list and UnionPay.
func testConfig() *Config {
	aids := append(emvUtilsAIDs(),
		AIDConfig{AID: unhexS("A000000333010101"), Label: "UnionPay Debit", ApplicationVersion: [2]byte{0x00, 0x30}},
		AIDConfig{AID: unhexS("A000000333010102"), Label: "UnionPay Credit", ApplicationVersion: [2]byte{0x00, 0x30}},
		AIDConfig{AID: unhexS("A000000333010103"), Label: "UnionPay Quasi Credit", ApplicationVersion: [2]byte{0x00, 0x30}},
	)
	return &Config{
		TerminalCountryCode:     [2]byte{0x01, 0x56},
		TransactionCurrencyCode: [2]byte{0x01, 0x56},
		CurrencyExponent:        2,
		TerminalType:            0x22,
		Capabilities:            [3]byte{0xE0, 0xF8, 0xC8},
		AdditionalCapabilities:  [5]byte{0x60, 0x00, 0xF0, 0xA0, 0x01},
		MerchantCategoryCode:    [2]byte{0x54, 0x11},
		IFDSerialNumber:         "TD000001",
		TerminalID:              "TILL0001",
		MerchantID:              "898110054110001",
		DefaultDDOL:             unhexS("9F3704"),
		AIDs:                    aids,
	}
}

// newTestSession is a session at the test date with deterministic randomness.
func newTestSession(t testing.TB, card Card, cfg *Config, opts Options, req Request) *session {
	t.Helper()
	if cfg == nil {
		cfg = testConfig()
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return testDate }
	}
	if opts.Random == nil {
		opts.Random = &counterRandom{}
	}
	k, err := New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	return &session{ctx: context.Background(), k: k, cfg: k.cfg, card: card, req: req, now: opts.Now(), icc: cardData{}, result: &Result{}}
}

func TestPlaybackChecksCommands(t *testing.T) {
	ft := &fakeT{TB: t}
	p := play(ft, step{"00A4040000", "9000"})
	_, _ = p.Transmit(unhex(t, "00B2010C00"))
	if !ft.failed {
		t.Fatal("a wrong command went unnoticed")
	}
	if !bytes.Equal(unhexS("9F3704"), []byte{0x9F, 0x37, 0x04}) {
		t.Fatal("unhexS")
	}
}

type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Errorf(string, ...any) { f.failed = true }
func (f *fakeT) Helper()               {}

func tagOf(t uint32) tlv.Tag { return tlv.Tag(t) }
