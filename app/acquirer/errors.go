package acquirer

import (
	"errors"
	"fmt"
)

// Kinds of link failure, each with a stable message key for the cashier screen
// (assets/translations/acquirer.*.json). Test with errors.Is; the *Error around them
// says where it happened and whether the request may have reached the host.
var (
	// ErrUnreachable: no connection to the host; nothing was sent.
	ErrUnreachable = errors.New("acquirer host unreachable")
	// ErrTimeout: no answer in time; the host may have acted on the request.
	ErrTimeout = errors.New("no answer from the acquirer in time")
	// ErrConnectionLost: the connection broke after the request was sent.
	ErrConnectionLost = errors.New("connection to the acquirer lost")
	// ErrGarbage: the host sent bytes that are not an answer (bad frame or message).
	ErrGarbage = errors.New("unreadable answer from the acquirer")
	// ErrMAC: the answer's MAC does not verify (or it has none while MACs are on).
	ErrMAC = errors.New("the acquirer's answer failed its MAC check")
	// ErrRequest: the request could not be built or signed; nothing was sent.
	ErrRequest = errors.New("the request to the acquirer could not be built")
)

// keys maps each kind to its message key.
var keys = map[error]string{
	ErrUnreachable:    "acquirer.err.unreachable",
	ErrTimeout:        "acquirer.err.timeout",
	ErrConnectionLost: "acquirer.err.connection_lost",
	ErrGarbage:        "acquirer.err.garbage",
	ErrMAC:            "acquirer.err.mac",
	ErrRequest:        "acquirer.err.request",
}

// Keys lists every message key the package's errors carry, for the translation test.
func Keys() []string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, k)
	}
	return out
}

// Error is a failed exchange with the host.
type Error struct {
	Op   string // "connect", "send" or "receive"
	Addr string // host:port
	MTI  string // the request's message type
	Kind error  // ErrUnreachable, ErrTimeout, ErrConnectionLost, ErrGarbage, ErrMAC or ErrRequest
	// Sent says the request may have reached the host, so its outcome is in doubt: a
	// financial request must then be reversed.
	Sent bool
	Err  error // the underlying cause, if any
}

func (e *Error) Error() string {
	s := fmt.Sprintf("acquirer %s %s (%s): %v", e.Op, e.Addr, e.MTI, e.Kind)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap gives both the kind and the cause to errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// Key is the message key of the failure for the cashier screen.
func (e *Error) Key() string { return keys[e.Kind] }

// InDoubt reports whether err is a failure after which the host may have acted on the
// request (timeout, lost connection, garbage or a bad MAC after sending).
func InDoubt(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Sent
}
