package cardtest

import (
	"context"
	"fmt"
	"sync"

	"tilldesk/core/emv/issuer"
	"tilldesk/core/emv/kernel"
	"tilldesk/core/pan"
	"tilldesk/devices/sim"
	"tilldesk/devices/sim/emvcard"
)

// Issuer is the card issuers' side of every virtual card, as the kernel's Host: it
// finds the account by the PAN of the authorisation, checks the ARQC with the card's
// keys and the online PIN block with the PIN pads' BDK (core/emv/issuer), and answers
// with the response code, the ARPC and any scripts. It keeps its decisions for the
// tests to inspect.
type Issuer struct {
	bdks     issuer.BDKs
	accounts []issuer.Account

	mu        sync.Mutex
	decisions []issuer.Decision
}

// NewIssuer knows every built-in profile's accounts, and the test BDKs the simulated
// PIN pad's keys were derived from (TDES and AES DUKPT).
func NewIssuer() (*Issuer, error) {
	accounts, err := emvcard.Accounts()
	if err != nil {
		return nil, err
	}
	bdk, _ := sim.PINPadTestKeys()
	aesBDK, _ := sim.PINPadAESTestKeys()
	return &Issuer{bdks: issuer.BDKs{TDES: bdk, AES: aesBDK}, accounts: accounts}, nil
}

// Authorise answers one authorisation request.
func (i *Issuer) Authorise(_ context.Context, req *kernel.OnlineRequest) (kernel.OnlineResponse, error) {
	accountNumber, _ := req.AuthorisationCardData()
	var acct *issuer.Account
	for k := range i.accounts {
		if i.accounts[k].PAN == accountNumber {
			acct = &i.accounts[k]
		}
	}
	if acct == nil {
		return kernel.OnlineResponse{}, fmt.Errorf("cardtest: no account for %s", pan.Mask(accountNumber))
	}
	ireq := issuer.Request{ICCData: req.ICCData}
	if req.PIN != nil {
		ireq.PIN = &issuer.EncryptedPIN{Format: req.PIN.Format, Block: req.PIN.Block, KSN: req.PIN.KSN}
	}
	dec, err := issuer.Authorise(*acct, i.bdks, ireq)
	if err != nil {
		return kernel.OnlineResponse{}, err
	}
	i.mu.Lock()
	i.decisions = append(i.decisions, dec)
	i.mu.Unlock()
	resp := kernel.OnlineResponse{Approved: dec.Approved, ResponseCode: dec.ResponseCode,
		IssuerAuthenticationData: dec.IssuerAuthenticationData, IssuerScripts: dec.IssuerScripts}
	if dec.Approved {
		resp.AuthorisationCode = "A1B2C3"
	}
	return resp, nil
}

// Decisions are the answers given so far, oldest first.
func (i *Issuer) Decisions() []issuer.Decision {
	i.mu.Lock()
	defer i.mu.Unlock()
	return append([]issuer.Decision(nil), i.decisions...)
}
