package posmsg

import (
	"errors"
	"testing"

	"tilldesk/core/iso8583"
	"tilldesk/core/iso8583/respcode"
)

// The sandbox side builds an answer from the request; the till side parses it and
// checks that it answers the request (round trip, not a vector).
func TestResponseAnswersItsRequest(t *testing.T) {
	req, err := Sale{testTransaction()}.Message()
	if err != nil {
		t.Fatal(err)
	}
	answer, err := EchoResponse(req, "00")
	if err != nil {
		t.Fatal(err)
	}
	answer.RRN, answer.AuthCode, answer.LocalTime, answer.LocalDate = "031215304500", "A1B2C3", "153045", "0312"
	answer.ICC = []byte{0x91, 0x02, 0x30, 0x30}
	m, err := answer.Message()
	if err != nil {
		t.Fatal(err)
	}
	if m.MTI != "0210" || KindOf(m) != KindResponse || m.Get(11) != "000042" || m.Get(60) != "22000007" {
		t.Errorf("answer %v", m)
	}
	roundTrip(t, m)
	got, err := ParseResponse(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := got.Answers(req); err != nil {
		t.Errorf("Answers: %v", err)
	}
	if !got.Result().Approved() || got.RRN != "031215304500" || got.Field60.Batch != 7 {
		t.Errorf("parsed %+v", got)
	}

	late := got
	late.STAN = 41
	if err := late.Answers(req); !errors.Is(err, ErrMismatch) {
		t.Errorf("answer with another STAN: %v, want ErrMismatch", err)
	}
	other := got
	other.Amount = 1
	if err := other.Answers(req); !errors.Is(err, ErrMismatch) {
		t.Errorf("answer with another amount: %v, want ErrMismatch", err)
	}
	wrongType := got
	wrongType.MTI = "0410"
	if err := wrongType.Answers(req); !errors.Is(err, ErrMismatch) {
		t.Errorf("0410 to a 0200: %v, want ErrMismatch", err)
	}
}

func TestSignOnAndSettlementResponses(t *testing.T) {
	req, _ := SignOn{Terminal: testTransaction().Terminal, STAN: 1, Batch: 7}.Message()
	answer, err := EchoResponse(req, "00")
	if err != nil {
		t.Fatal(err)
	}
	answer.WorkingKeys = make([]byte, 40)
	answer.Field60.Batch = 8
	m, err := answer.Message()
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseResponse(roundTrip(t, m))
	if err != nil || len(got.WorkingKeys) != 40 || got.Field60.Batch != 8 || got.Field60.NetworkCode != KeySchemeDoubleDES {
		t.Errorf("sign-on answer %+v, %v", got, err)
	}

	settle, _ := Settlement{Terminal: testTransaction().Terminal, STAN: 2, Batch: 8, Totals: Totals{}}.Message()
	reply, err := EchoResponse(settle, "00")
	if err != nil {
		t.Fatal(err)
	}
	reply.Totals = &Totals{Domestic: CardTotals{Result: ReconcileInBalance}, Foreign: CardTotals{Result: ReconcileInBalance}}
	m, err = reply.Message()
	if err != nil {
		t.Fatal(err)
	}
	got, err = ParseResponse(roundTrip(t, m))
	if err != nil || got.Totals == nil || !got.Totals.Balanced() {
		t.Errorf("settlement answer %+v, %v", got, err)
	}
}

func TestResponseErrors(t *testing.T) {
	req, _ := Sale{testTransaction()}.Message()
	if _, err := ParseResponse(req); !errors.Is(err, ErrKind) {
		t.Errorf("ParseResponse(request) = %v", err)
	}
	if _, err := ResponseMTI("0210"); !errors.Is(err, ErrKind) {
		t.Errorf("ResponseMTI(0210) = %v", err)
	}
	noCode := iso8583.NewMessage("0210")
	noCode.Set(41, "10000019")
	noCode.Set(42, "850100082410002")
	if _, err := ParseResponse(noCode); !errors.Is(err, ErrMissing) {
		t.Errorf("response without DE39: %v", err)
	}
	if got := (Response{ResponseCode: "51"}).Result(); got.Action != respcode.Decline || got.Key != "resp.insufficient_funds" {
		t.Errorf("Result = %+v", got)
	}
}
