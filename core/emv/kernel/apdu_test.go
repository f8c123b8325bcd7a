package kernel

import (
	"bytes"
	"errors"
	"testing"
)

// T=0 conventions of EMV Book 1 9.3.1, one case each.
func TestExchangeTransportConventions(t *testing.T) {
	tests := []struct {
		name     string
		cmd      command
		steps    []step
		wantData string
		wantSW   StatusWord
	}{
		{"plain 9000", getDataCommand(0x9F36), []step{{"80CA9F3600", "9F360200109000"}}, "9F36020010", SWSuccess},
		{"61xx chained", getDataCommand(0x9F36), []step{
			{"80CA9F3600", "9F36026102"}, {"00C0000002", "00109000"}}, "9F36020010", SWSuccess},
		{"6Cxx re-issued", getDataCommand(0x9F13), []step{
			{"80CA9F1300", "6C05"}, {"80CA9F1305", "9F130200059000"}}, "9F13020005", SWSuccess},
		{"6Cxx on a case 3 command adds Le", externalAuthenticateCommand(unhex(t, "0102030405060708")), []step{
			{"0082000008 0102030405060708", "6C00"}, {"0082000008 0102030405060708 00", "9000"}}, "", SWSuccess},
		// emv-utils tests/emv_build_candidate_list_test.c, test_pse_blocked: a
		// warning to a case 4 command is followed by GET RESPONSE, and a 6Cxx to it.
		{"warning then GET RESPONSE", selectCommand(pseName, false), []step{
			{"00A404000E315041592E5359532E444446303100", "6283"},
			{"00C0000000", "6C1A"},
			{"00C000001A", "6F20840E315041592E5359532E4444463031A50E8801015F2D046E6C656E9F1101019000"}},
			"6F20840E315041592E5359532E4444463031A50E8801015F2D046E6C656E9F110101", SWFileDeactivated},
		{"error without data", selectCommand(pseName, false), []step{{"00A404000E315041592E5359532E444446303100", "6A82"}}, "", SWFileNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			card := play(t, tt.steps...)
			data, sw, err := exchange(card, tt.cmd)
			if err != nil {
				t.Fatal(err)
			}
			if sw != tt.wantSW || !bytes.Equal(data, unhex(t, tt.wantData)) {
				t.Fatalf("got %X %s, want %s %s", data, sw, tt.wantData, tt.wantSW)
			}
			card.done()
		})
	}
}

func TestExchangeErrors(t *testing.T) {
	removed := errors.New("card removed")
	card := play(t)
	card.fail = removed
	_, _, err := exchange(card, getDataCommand(0x9F36))
	if !errors.Is(err, ErrCard) || !errors.Is(err, removed) {
		t.Fatalf("transport failure = %v, want ErrCard wrapping the transport's error", err)
	}
	_, _, err = exchange(play(t, step{"80CA9F3600", "90"}), getDataCommand(0x9F36))
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("one-byte response = %v, want ErrMalformed", err)
	}
	endless := play(t)
	endless.steps = append(endless.steps, step{"80CA9F3600", "6101"})
	for i := 0; i < maxChainedResponses; i++ {
		endless.steps = append(endless.steps, step{"00C0000001", "006101"})
	}
	if _, _, err := exchange(endless, getDataCommand(0x9F36)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("endless 61xx = %v, want ErrMalformed", err)
	}
	_, err = exchangeOK(play(t, step{"80CA9F3600", "6A88"}), getDataCommand(0x9F36))
	var se *StatusError
	if !errors.As(err, &se) || se.SW != SWReferenceNotFound || se.Error() != "GET DATA 9F36: card answered 6A88" {
		t.Fatalf("refusal = %v", err)
	}
	if _, err := (command{name: "X", data: make([]byte, 256)}).bytes(); err == nil {
		t.Fatal("256 bytes of command data accepted")
	}
}

func TestCommandEncodings(t *testing.T) {
	tests := []struct {
		cmd  command
		want string
	}{
		{selectCommand(unhex(t, "A0000000041010"), true), "00A4040207A000000004101000"},
		{readRecordCommand(2, 1), "00B2011400"},
		{getProcessingOptionsCommand(nil), "80A80000028300 00"},
		{getProcessingOptionsCommand(unhex(t, "0156")), "80A8000004 83020156 00"},
		{internalAuthenticateCommand(unhex(t, "8B55633B")), "0088000004 8B55633B 00"},
		{generateACCommand(0x90, unhex(t, "01")), "80AE900001 01 00"},
	}
	for _, tt := range tests {
		got, err := tt.cmd.bytes()
		if err != nil || !bytes.Equal(got, unhex(t, tt.want)) {
			t.Errorf("%s = %X, %v; want %s", tt.cmd.name, got, err, tt.want)
		}
	}
}
