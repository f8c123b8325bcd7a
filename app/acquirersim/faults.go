package acquirersim

import (
	"time"

	"tilldesk/core/iso8583/posmsg"
)

// Fault is a misbehaviour of the host for the next requests of one kind: the failures
// a till must survive without charging a customer twice or losing an approval.
type Fault struct {
	// Kind is the kind of request it hits (posmsg.KindSale, KindReversal, ...);
	// KindUnknown hits any request. KindSale hits QR sales too (KindQRSale only them).
	Kind posmsg.Kind
	// Times is how many requests it hits; 0 means once, -1 every one until Clear.
	Times int

	// What the host does. Unless Ignore or Code is set the request is processed
	// first (a sale is charged), so the till cannot know the outcome.
	Ignore  bool          // neither process nor answer: the request is lost on the way
	Code    string        // answer with this response code without processing
	Delay   time.Duration // answer this late (after the till's timeout: a late answer)
	Drop    bool          // never answer; the connection stays open
	Close   bool          // close the connection instead of answering
	Garbage bool          // answer with bytes that are not a message
	BadMAC  bool          // answer with a MAC that does not verify
}

// Inject queues a fault; faults are matched in the order they were injected.
func (s *Server) Inject(f Fault) {
	if f.Times == 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// ClearFaults removes every queued fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault returns the fault that hits a request of kind k, counting it. Callers
// hold s.mu.
func (s *Server) takeFault(k posmsg.Kind) Fault {
	for i, f := range s.faults {
		if f.Kind != posmsg.KindUnknown && f.Kind != k && (f.Kind != posmsg.KindSale || k != posmsg.KindQRSale) {
			continue
		}
		hit := *f
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
		}
		return hit
	}
	return Fault{}
}

// processes reports whether the request is processed under the fault.
func (f Fault) processes() bool { return !f.Ignore && f.Code == "" }
