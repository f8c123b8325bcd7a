package kernel

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// scriptedResponses answers each command with the next length-prefixed chunk of
// the fuzzer's input (a length byte, then that many bytes), and with a transport
// error when the input runs out: the card is "removed".
type scriptedResponses struct{ data []byte }

var errFuzzCardGone = errors.New("fuzz card removed")

func (c *scriptedResponses) Transmit([]byte) ([]byte, error) {
	if len(c.data) == 0 {
		return nil, errFuzzCardGone
	}
	n := int(c.data[0])
	c.data = c.data[1:]
	if n > len(c.data) {
		n = len(c.data)
	}
	resp := c.data[:n]
	c.data = c.data[n:]
	return resp, nil
}

// recordingCard records a real exchange as fuzz input.
type recordingCard struct {
	card Card
	out  []byte
}

func (r *recordingCard) Transmit(apdu []byte) ([]byte, error) {
	resp, err := r.card.Transmit(apdu)
	if err == nil && len(resp) < 256 {
		r.out = append(append(r.out, byte(len(resp))), resp...)
	}
	return resp, err
}

// fuzzSeeds are full transactions with the test cards, recorded.
func fuzzSeeds(t testing.TB) map[string][]byte {
	seeds := map[string][]byte{}
	record := func(name string, card Card, cfg *Config, req Request) {
		rec := &recordingCard{card: card}
		k, _ := New(cfg, Options{Host: &fakeHost{resp: OnlineResponse{Approved: true, ResponseCode: "00"}}, PINPad: &fakePINPad{},
			Now: func() time.Time { return testDate }, Random: fixedRandom{1, 2, 3, 4}})
		_, _ = k.Run(context.Background(), rec, req)
		seeds[name] = rec.out
	}
	record("contact_cda", newUnionPayCard(t, odaCDA), flowConfig(t, 0), Request{Amount: 10000})
	record("contact_dda", newUnionPayCard(t, odaDDA), flowConfig(t, 1000000), Request{Amount: 100})
	record("contact_sda", newUnionPayCard(t, odaSDA), flowConfig(t, 1000000), Request{Amount: 100})
	record("contactless_visa", newPhoneWallet(t, "0080", CryptogramARQC), contactlessConfig(t), Request{Amount: 30000, Interface: Contactless})
	record("contactless_mastercard", newMastercardTap(t, true), contactlessConfig(t), Request{Amount: 30000, Interface: Contactless})
	seeds["pse_emv_utils"] = []byte("\x24" + string(unhexS(pseFCI)) + "\x2D" + string(unhexS("702961274F07A0000000031010500B56495341204352454449548701019F120B56495341204352454449549000")))
	return seeds
}

// TestWriteFuzzSeeds refreshes testdata/fuzz/FuzzCardResponses from the test cards
// when TILLDESK_WRITE_FUZZ_SEEDS is set.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("TILLDESK_WRITE_FUZZ_SEEDS") == "" {
		t.Skip("set TILLDESK_WRITE_FUZZ_SEEDS=1 to rewrite the seed corpus")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzCardResponses")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range fuzzSeeds(t) {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzCardResponses runs whole transactions, contact and contactless, against a
// card that answers with arbitrary bytes: every run must end with a Result and,
// when terminated, an error, never a panic. The seeds (testdata/fuzz) are recorded
// transactions with the test cards and an emv-utils PSE exchange.
func FuzzCardResponses(f *testing.F) {
	cfg := contactlessConfig(f)
	k, err := New(cfg, Options{Host: &fakeHost{resp: OnlineResponse{Approved: true, ResponseCode: "00",
		IssuerAuthenticationData: unhexS("01020304050607083030"), IssuerScripts: unhexS(approvedScripts)}},
		PINPad: &fakePINPad{}, Now: func() time.Time { return testDate }, Random: fixedRandom{1, 2, 3, 4}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, iface := range []Interface{Contact, Contactless} {
			res, err := k.Run(context.Background(), &scriptedResponses{data: data}, Request{Amount: 30000, Interface: iface})
			if res == nil {
				t.Fatal("no result")
			}
			if (err != nil) != (res.Outcome == Terminated) {
				t.Fatalf("error %v with outcome %s", err, res.Outcome)
			}
			if err != nil && !errors.Is(err, ErrCard) && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrMissingData) &&
				!errors.Is(err, ErrNoApplication) && !errors.Is(err, ErrCardBlocked) && !isStatusError(err) {
				t.Fatalf("unclassified error: %v", err)
			}
		}
	})
}

func isStatusError(err error) bool {
	var se *StatusError
	return errors.As(err, &se)
}
