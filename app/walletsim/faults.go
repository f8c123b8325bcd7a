package walletsim

import (
	"time"

	"tilldesk/core/wallet"
)

// FaultKind is a way the sandbox misbehaves.
type FaultKind int

// Fault kinds.
const (
	// FaultSlow answers after Fault.Delay (the operation is done first).
	FaultSlow FaultKind = iota
	// FaultDrop does the operation, then closes the connection without an answer:
	// the till cannot know what happened.
	FaultDrop
	// FaultSystemError does nothing and answers the provider's "try again" error:
	// WeChat SYSTEMERROR, Alipay 20000 isp.unknow-error (ACQ.SYSTEM_ERROR with
	// retry_flag Y for a cancel).
	FaultSystemError
	// FaultPaidDuringCancel, on a cancel or close: the customer confirms the payment
	// on the phone just as the request arrives, so the trade is paid, and the request
	// is answered as FaultSystemError (nothing cancelled). The till's next cancel
	// finds a paid trade and must give the money back.
	FaultPaidDuringCancel
)

// Fault is one injected misbehaviour.
type Fault struct {
	Provider wallet.Provider // "" matches both providers
	Op       wallet.Op       // "" matches every operation
	Kind     FaultKind
	Delay    time.Duration // before the answer (FaultSlow; also delays the others)
	Times    int           // how many requests it hits; 1 when 0; negative: until ClearFaults
	// Done, for FaultSystemError: the operation is done before the error answer, so
	// the trade may have gone through although the answer says "try again".
	Done bool
}

// Inject adds a fault; the first matching fault, oldest first, hits each request.
func (g *Gateway) Inject(f Fault) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if f.Times == 0 {
		f.Times = 1
	}
	g.faults = append(g.faults, &f)
}

// ClearFaults removes every injected fault.
func (g *Gateway) ClearFaults() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.faults = nil
}

// drawFault returns (and uses up) the fault for a request, or nil. Callers hold g.mu.
func (g *Gateway) drawFault(p wallet.Provider, op wallet.Op) *Fault {
	for i, f := range g.faults {
		if (f.Provider == "" || f.Provider == p) && (f.Op == "" || f.Op == op) {
			hit := *f
			if f.Times > 0 {
				if f.Times--; f.Times == 0 {
					g.faults = append(g.faults[:i:i], g.faults[i+1:]...)
				}
			}
			return &hit
		}
	}
	return nil
}

// failsOutright reports whether the fault stops the operation from being done.
func (f *Fault) failsOutright() bool {
	return f != nil && (f.Kind == FaultSystemError && !f.Done || f.Kind == FaultPaidDuringCancel)
}

// answersError reports whether the answer is the "try again" error whatever was done.
func (f *Fault) answersError() bool {
	return f != nil && (f.Kind == FaultSystemError || f.Kind == FaultPaidDuringCancel)
}

// payDuringCancel confirms a paying trade's payment, for FaultPaidDuringCancel.
// Callers hold g.mu.
func (g *Gateway) payDuringCancel(f *Fault, p wallet.Provider, outTradeNo string) {
	if f == nil || f.Kind != FaultPaidDuringCancel {
		return
	}
	if t := g.tradeOf(p, outTradeNo); t != nil && (t.state == statePaying || t.state == stateWaiting && t.account != nil) {
		g.settle(t)
	}
}
