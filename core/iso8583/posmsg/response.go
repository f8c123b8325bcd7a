package posmsg

import (
	"errors"
	"fmt"

	"tilldesk/core/iso8583"
	"tilldesk/core/iso8583/respcode"
)

// ErrMismatch: a response does not answer the request it was matched with.
var ErrMismatch = errors.New("response does not match the request")

// Response is any answer from the host (0810, 0830, 0210, 0230, 0330, 0410, 0510).
// Fields the answer does not carry stay empty. A PAN (DE2) in the answer is not read.
type Response struct {
	MTI            string
	ProcessingCode string // DE3
	Amount         Amount // DE4
	STAN           STAN   // DE11
	LocalTime      string // DE12, hhmmss
	LocalDate      string // DE13, MMDD
	SettlementDate string // DE15, MMDD
	AcquirerID     string // DE32
	RRN            RRN    // DE37
	AuthCode       string // DE38
	ResponseCode   string // DE39
	Terminal       Terminal
	// AdditionalResponse is DE44 (acquirer and issuer identification).
	AdditionalResponse string
	// Totals is DE48 of a settlement response, with the host's reconciliation result.
	Totals *Totals
	// ICC is DE55: issuer authentication data and scripts for the chip.
	ICC []byte
	// Field60 is DE60 as echoed (type code, batch, network code); a sign-on answer
	// sets the batch here.
	Field60 Field60
	// WorkingKeys is DE62 of a sign-on answer: the PIN and MAC keys (and track key)
	// encrypted under the terminal master key, with their check values.
	WorkingKeys []byte
	// Field63 is DE63 (card organisation, issuer / UnionPay / acquirer messages).
	Field63 string
}

func (r *Response) bindings() []binding {
	return append(r.Terminal.identity(),
		optional(3, text{&r.ProcessingCode}),
		optional(4, &r.Amount),
		optional(11, &r.STAN),
		optional(12, text{&r.LocalTime}),
		optional(13, text{&r.LocalDate}),
		optional(15, text{&r.SettlementDate}),
		optional(32, text{&r.AcquirerID}),
		optional(37, &r.RRN),
		optional(38, text{&r.AuthCode}),
		required(39, text{&r.ResponseCode}),
		optional(44, text{&r.AdditionalResponse}),
		optional(48, optionalTotals{&r.Totals}),
		optional(49, text{&r.Terminal.Currency}),
		optional(55, raw{&r.ICC}),
		optional(60, &r.Field60),
		optional(62, raw{&r.WorkingKeys}),
		optional(63, text{&r.Field63}))
}

// ParseResponse reads any host answer.
func ParseResponse(m iso8583.Message) (Response, error) {
	if KindOf(m) != KindResponse {
		return Response{}, fmt.Errorf("posmsg: %w: MTI %q is not a response", ErrKind, m.MTI)
	}
	r := Response{MTI: m.MTI}
	err := parse(m, m.MTI, r.bindings())
	return r, err
}

// Message builds the answer (the sandbox acquirer's side).
func (r Response) Message() (iso8583.Message, error) {
	if !isResponseMTI(r.MTI) {
		return iso8583.Message{}, fmt.Errorf("posmsg: %w: MTI %q is not a response", ErrKind, r.MTI)
	}
	return build(r.MTI, r.bindings())
}

// Result interprets the response code.
func (r Response) Result() respcode.Code { return respcode.Lookup(r.ResponseCode) }

// ResponseMTI is the MTI answering a request MTI (0200 -> 0210).
func ResponseMTI(request string) (string, error) {
	if len(request) != 4 || !isDigits(request) || isResponseMTI(request) {
		return "", fmt.Errorf("posmsg: %w: MTI %q is not a request", ErrKind, request)
	}
	return request[:2] + string(request[2]+1) + request[3:], nil
}

// EchoResponse starts the answer to req (the sandbox acquirer's side): response MTI,
// and the request's processing code, amount, STAN, terminal, currency and DE60.
func EchoResponse(req iso8583.Message, responseCode string) (Response, error) {
	mti, err := ResponseMTI(req.MTI)
	if err != nil {
		return Response{}, err
	}
	var echo Response
	echo.MTI = mti
	for _, b := range echo.bindings() {
		if v, ok := req.Fields[b.field]; ok && echoed[b.field] {
			if err := b.value.decode(v); err != nil {
				return Response{}, fmt.Errorf("posmsg: request DE%d: %w", b.field, err)
			}
		}
	}
	echo.ResponseCode = responseCode
	return echo, nil
}

// echoed are the request fields an answer repeats.
var echoed = map[int]bool{3: true, 4: true, 11: true, 41: true, 42: true, 49: true, 60: true}

// Answers checks that r answers req: the response MTI and the same STAN, terminal,
// merchant, processing code and amount where both carry them. A response that
// fails is not the answer (a late one, or garbage) and must not settle the request.
func (r Response) Answers(req iso8583.Message) error {
	want, err := ResponseMTI(req.MTI)
	if err != nil {
		return err
	}
	if r.MTI != want {
		return fmt.Errorf("posmsg: %w: MTI %s, want %s", ErrMismatch, r.MTI, want)
	}
	answer, err := r.Message()
	if err != nil {
		return err
	}
	for _, n := range []int{3, 4, 11, 41, 42} {
		a, inAnswer := answer.Fields[n]
		q, inRequest := req.Fields[n]
		if inRequest && inAnswer && string(a) != string(q) || n >= 11 && inRequest && !inAnswer {
			return fmt.Errorf("posmsg: %w: DE%d differs", ErrMismatch, n)
		}
	}
	return nil
}

// optionalTotals is a settlement's DE48, absent while nil.
type optionalTotals struct{ p **Totals }

func (o optionalTotals) encode() ([]byte, error) {
	if *o.p == nil {
		return nil, nil
	}
	return (*o.p).encode()
}

func (o optionalTotals) decode(b []byte) error {
	*o.p = new(Totals)
	return (*o.p).decode(b)
}

// encode and decode let a Field60 bind DE60 without a fixed type code.
func (f *Field60) encode() ([]byte, error) {
	if f.TypeCode == "" {
		return nil, nil
	}
	if err := f.check(); err != nil {
		return nil, err
	}
	return []byte(f.String()), nil
}

func (f *Field60) decode(b []byte) error {
	v, err := ParseField60(string(b))
	*f = v
	return err
}
