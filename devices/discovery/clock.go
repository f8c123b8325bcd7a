package discovery

import "time"

// Clock is the time source a Supervisor waits on; tests inject a fake one.
type Clock interface {
	Now() time.Time
	// After returns a channel that receives the time once d has passed.
	After(d time.Duration) <-chan time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// After returns time.After(d); the timer is collected once unreferenced (Go 1.23+).
func (SystemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Default reconnection timing for a Supervisor.
const (
	DefaultMinBackoff = 200 * time.Millisecond
	DefaultMaxBackoff = 5 * time.Second
	DefaultResetAfter = 10 * time.Second
)

// backoff is the wait before reconnection attempt number attempt (0-based): lo
// doubled attempt times, capped at hi.
func backoff(attempt int, lo, hi time.Duration) time.Duration {
	d := lo
	for i := 0; i < attempt && d < hi; i++ {
		d *= 2
	}
	return min(d, hi)
}
