package kernel

import (
	"context"
	"errors"
	"testing"
)

// Exchanges recorded in openemv/emv-utils tests/emv_build_candidate_list_test.c
// (the C arrays written as hex). The terminal AID list is emvUtilsAIDs().
const (
	cmdSelectPSE   = "00A404000E315041592E5359532E444446303100"
	pseFCI         = "6F20840E315041592E5359532E4444463031A50E8801015F2D046E6C656E9F1101019000"
	cmdReadPSE1    = "00B2010C00"
	cmdReadPSE2    = "00B2020C00"
	cmdSelectVisa  = "00A4040007A000000003101000"
	cmdSelectVE    = "00A4040007A000000003201000"
	cmdSelectVPay  = "00A4040007A000000003202000"
	cmdSelectMC    = "00A4040007A000000004101000"
	cmdSelectMCNxt = "00A4040207A000000004101000"
	cmdSelectMae   = "00A4040007A000000004306000"
	notFound       = "6A82"
	vpayFCI        = "6F2F8407A0000000032020A52450055620504159870101" + "5F2D046E6C656EBF0C109F4D020B059F0A080001050100000000"
	velectronFCI   = "6F2F8407A0000000032010A52450055620504159870102" + "5F2D046E6C656EBF0C109F4D020B059F0A080001050100000000"
	mcFCI1         = "6F458408A000000004101010A539500" + "94D43204352454449545F2D046E6C656E8701019F11010" + "19F120A4D415354455243415244BF0C109F4D020B0A9F0A08000105020000000090" + "00"
	mcFCI2         = "6F458408A000000004101020A539500" + "94D43204352454449545F2D046E6C656E8701029F11010" + "19F120A4D415354455243415244BF0C109F4D020B0A9F0A08000105020000000090" + "00"
)

func candidateAIDs(list []candidate) []string {
	var out []string
	for _, c := range list {
		out = append(out, hexString(c.AID))
	}
	return out
}

func hexString(b []byte) string { return upperHex(b) }

func TestBuildCandidateList(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
		want  []string
		err   error
	}{
		{"PSE, card blocked", []step{{cmdSelectPSE, "6A81"}}, nil, ErrCardBlocked},
		{"list of AIDs, card blocked", []step{{cmdSelectPSE, notFound}, {cmdSelectVisa, "6A81"}}, nil, ErrCardBlocked},
		{"nothing found", []step{{cmdSelectPSE, notFound}, {cmdSelectVisa, notFound}, {cmdSelectVE, notFound},
			{cmdSelectVPay, notFound}, {cmdSelectMC, notFound}, {cmdSelectMae, notFound}}, nil, ErrNoApplication},
		{"PSE application supported", []step{{cmdSelectPSE, pseFCI},
			{cmdReadPSE1, "702961274F07A0000000031010500B56495341204352454449548701019F120B56495341204352454449549000"},
			{cmdReadPSE2, "6A83"}}, []string{"A0000000031010"}, nil},
		{"PSE application not supported, then list of AIDs", []step{{cmdSelectPSE, pseFCI},
			{cmdReadPSE1, "702961274F07A0000000033030500B56495341204352454449548701019F120B56495341204352454449549000"},
			{cmdReadPSE2, "6A83"}, {cmdSelectVisa, notFound}, {cmdSelectVE, notFound},
			{cmdSelectVPay, notFound}, {cmdSelectMC, notFound}, {cmdSelectMae, notFound}}, nil, ErrNoApplication},
		{"PSE two applications, priority order", []step{{cmdSelectPSE, pseFCI},
			{cmdReadPSE1, "704461204F07A0000000032020500556205041598701" + "01730B9F0A08000105010000000061204F07A0000000032010500556205041598701" + "02730B9F0A0800010501000000009000"},
			{cmdReadPSE2, "6A83"}}, []string{"A0000000032020", "A0000000032010"}, nil},
		{"PSE blocked, list of AIDs, nothing", []step{{cmdSelectPSE, "6283"}, {"00C0000000", "6C1A"}, {"00C000001A", pseFCI},
			{cmdSelectVisa, notFound}, {cmdSelectVE, notFound}, {cmdSelectVPay, notFound}, {cmdSelectMC, notFound}, {cmdSelectMae, notFound}},
			nil, ErrNoApplication},
		{"blocked application left out", []step{{cmdSelectPSE, notFound}, {cmdSelectVisa, notFound}, {cmdSelectVE, notFound},
			{cmdSelectVPay, "6283"}, {"00C0000000", "6C33"}, {"00C0000033", vpayFCI + "9000"},
			{cmdSelectMC, notFound}, {cmdSelectMae, notFound}}, nil, ErrNoApplication},
		{"list of AIDs, exact matches", []step{{cmdSelectPSE, notFound}, {cmdSelectVisa, notFound},
			{cmdSelectVE, velectronFCI + "9000"}, {cmdSelectVPay, vpayFCI + "9000"},
			{cmdSelectMC, notFound}, {cmdSelectMae, notFound}}, []string{"A0000000032020", "A0000000032010"}, nil},
		{"list of AIDs, partial matches with SELECT next", []step{{cmdSelectPSE, notFound}, {cmdSelectVisa, notFound},
			{cmdSelectVE, notFound}, {cmdSelectVPay, notFound},
			{cmdSelectMC, mcFCI1}, {cmdSelectMCNxt, mcFCI2}, {cmdSelectMCNxt, notFound}, {cmdSelectMae, notFound}},
			[]string{"A000000004101010", "A000000004101020"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.AIDs = emvUtilsAIDs()
			card := play(t, tt.steps...)
			s := newTestSession(t, card, cfg, Options{}, Request{})
			list, err := s.buildCandidateList()
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if got := candidateAIDs(list); !equalStrings(got, tt.want) {
				t.Fatalf("candidates %v, want %v", got, tt.want)
			}
			card.done()
		})
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The label, preferred name (code table 1) and priority reach the candidate.
func TestCandidateDetails(t *testing.T) {
	cfg := testConfig()
	cfg.AIDs = emvUtilsAIDs()
	card := play(t, step{cmdSelectPSE, notFound}, step{cmdSelectVisa, notFound}, step{cmdSelectVE, notFound},
		step{cmdSelectVPay, notFound}, step{cmdSelectMC, mcFCI1}, step{cmdSelectMCNxt, notFound}, step{cmdSelectMae, notFound})
	s := newTestSession(t, card, cfg, Options{}, Request{})
	list, err := s.buildCandidateList()
	if err != nil || len(list) != 1 {
		t.Fatalf("%v %v", list, err)
	}
	c := list[0]
	if c.Label != "MC CREDIT" || c.PreferredName != "MASTERCARD" || c.Priority != 1 || c.ConfirmationRequired || c.Name() != "MASTERCARD" {
		t.Fatalf("candidate %+v", c.Candidate)
	}
}

// Final selection: the cardholder chooses among several; a refused SELECT drops the
// candidate and asks again; with no chooser, confirmation-only candidates are
// passed over.
func TestFinalSelection(t *testing.T) {
	two := func() []candidate {
		cfg := testConfig()
		return []candidate{
			{Candidate: Candidate{AID: unhexS("A0000000032020"), Label: "V PAY", Priority: 1}, config: cfg.AIDs[2]},
			{Candidate: Candidate{AID: unhexS("A0000000032010"), Label: "V PAY", Priority: 2, ConfirmationRequired: true}, config: cfg.AIDs[1]},
		}
	}
	var offered [][]Candidate
	chooseLast := func(_ context.Context, c []Candidate) (int, error) {
		offered = append(offered, c)
		return len(c) - 1, nil
	}
	card := play(t, step{cmdSelectVE, velectronFCI + "9000"})
	s := newTestSession(t, card, nil, Options{Chooser: chooseLast}, Request{})
	list := two()
	if err := s.finalSelection(&list, true); err != nil {
		t.Fatal(err)
	}
	if hexString(s.selected.AID) != "A0000000032010" || len(offered) != 1 || len(offered[0]) != 2 {
		t.Fatalf("selected %X after offering %v", s.selected.AID, offered)
	}
	card.done()

	// The chosen one refuses; the other (which needs confirmation) is offered alone.
	offered = nil
	card = play(t, step{cmdSelectVE, notFound}, step{cmdSelectVPay, vpayFCI + "9000"})
	s = newTestSession(t, card, nil, Options{Chooser: chooseLast}, Request{})
	list = two()
	list[0].ConfirmationRequired = true
	if err := s.finalSelection(&list, true); err != nil {
		t.Fatal(err)
	}
	if hexString(s.selected.AID) != "A0000000032020" || len(offered) != 2 || len(offered[1]) != 1 {
		t.Fatalf("selected %X after offering %v", s.selected.AID, offered)
	}
	card.done()

	// No chooser: the first candidate not needing confirmation.
	card = play(t, step{cmdSelectVPay, vpayFCI + "9000"})
	s = newTestSession(t, card, nil, Options{}, Request{})
	list = two()
	if err := s.finalSelection(&list, true); err != nil || hexString(s.selected.AID) != "A0000000032020" {
		t.Fatalf("%X %v", s.selected.AID, err)
	}
	list = two()[1:]
	if err := newTestSession(t, play(t), nil, Options{}, Request{}).finalSelection(&list, true); !errors.Is(err, ErrNoApplication) {
		t.Fatalf("confirmation without a chooser = %v", err)
	}

	// The cardholder cancels.
	cancel := func(context.Context, []Candidate) (int, error) { return 0, ErrCancelled }
	list = two()
	if err := newTestSession(t, play(t), nil, Options{Chooser: cancel}, Request{}).finalSelection(&list, true); !errors.Is(err, ErrCancelled) {
		t.Fatalf("cancel = %v", err)
	}
}
