package kernel

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A card pulled out mid-transaction ends it with the transport's error wrapped in
// ErrCard, and a Result saying so.
func TestCardRemovedMidTransaction(t *testing.T) {
	for _, after := range []int{1, 11, 14, 17, 18} {
		card := newUnionPayCard(t, odaCDA)
		removed := errors.New("card removed")
		cut := &cuttingCard{card: card, after: after, err: removed}
		res, err := runFlow(t, cut, flowConfig(t, 0), Options{Host: &fakeHost{resp: OnlineResponse{Approved: true}}, PINPad: &fakePINPad{}},
			Request{Amount: 10000})
		if !errors.Is(err, ErrCard) || !errors.Is(err, removed) || res.Outcome != Terminated || res.Reason == "" {
			t.Fatalf("removed after %d commands: %v, %s", after, err, res)
		}
		if wentOnline := after == 18; res.ReversalRequired != wentOnline || (len(res.ReversalData) > 0) != wentOnline {
			t.Fatalf("removed after %d: reversal %v with %X", after, res.ReversalRequired, res.ReversalData)
		}
	}
}

// cuttingCard fails every command after the first few.
type cuttingCard struct {
	card  Card
	after int
	n     int
	err   error
}

func (c *cuttingCard) Transmit(apdu []byte) ([]byte, error) {
	c.n++
	if c.n > c.after {
		return nil, c.err
	}
	return c.card.Transmit(apdu)
}

// BenchmarkContactTransactionCDA is a whole contact transaction with CDA on both
// GENERATE ACs, online PIN, issuer authentication and two scripts, against the
// in-process test card (whose RSA signing is counted too).
func BenchmarkContactTransactionCDA(b *testing.B) {
	cfg := flowConfig(b, 0)
	host := &fakeHost{resp: OnlineResponse{Approved: true, ResponseCode: "00",
		IssuerAuthenticationData: unhexS("01020304050607083030"), IssuerScripts: unhexS(approvedScripts)}}
	k, err := New(cfg, Options{Host: host, PINPad: &fakePINPad{}, Now: func() time.Time { return testDate }, Random: fixedRandom{1, 2, 3, 4}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		card := newUnionPayCard(b, odaCDA)
		host.requests = host.requests[:0]
		res, err := k.Run(context.Background(), card, Request{Amount: 10000})
		if err != nil || res.Outcome != ApprovedOnline {
			b.Fatalf("%v %s", err, res)
		}
	}
}

// A card that answers ARQC on a terminal without a host completes as "unable to go
// online" with the default action codes.
func TestARQCWithoutHost(t *testing.T) {
	card := newUnionPayCard(t, odaNone)
	replaceCardElement(card, 0x8E, unhexS("00000000000000001F03"))
	card.records = card.records[:2]
	card.decide = func(r byte, first bool) byte {
		if first {
			return CryptogramARQC
		}
		return r
	}
	cfg := flowConfig(t, 1000000)
	for i := range cfg.AIDs {
		cfg.AIDs[i].TACDefault = [5]byte{}
	}
	replaceCardElement(card, 0x9F0D, unhexS("0000000000"))
	res, err := runFlow(t, card, cfg, Options{}, Request{Amount: 100})
	if err != nil || res.Outcome != DeclinedUnableOnline && res.Outcome != ApprovedUnableOnline || !res.UnableToGoOnline {
		t.Fatalf("%v %s (%s)", err, res, res.OnlineError)
	}
}
