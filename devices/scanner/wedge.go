package scanner

import "time"

// Wedge defaults.
const (
	// DefaultWedgeMinLen is the shortest burst taken for a scan: EAN-8 has 8 digits,
	// but in-store codes and PLUs can be as short as 4.
	DefaultWedgeMinLen = 4
	// DefaultWedgeMaxGap is the longest gap between two keys of one scan. Scanners in
	// keyboard mode send a key every 5-15 ms (some add a per-key delay setting up to
	// about 30 ms); people type 80-300 ms apart, rarely under 50 ms for several keys.
	DefaultWedgeMaxGap = 35 * time.Millisecond
	// wedgeMaxLine bounds the keys remembered without an Enter.
	wedgeMaxLine = 4096
)

// Wedge tells a keyboard-wedge scanner from a person at the keyboard. The UI feeds it
// every printable key with its arrival time (Key) and every Enter (Enter). A scan is
// a burst of at least MinLen keys, each within MaxGap of the one before, ended by an
// Enter within MaxGap of the last key. Keys typed before the burst (a person typing
// "3*" for a quantity and then scanning) are not part of it.
//
// Wedge is pure logic: it never reads a clock, the caller passes the times (use
// monotonic ones, from time.Now). It is not safe for concurrent use; call it from the
// UI event loop.
type Wedge struct {
	MinLen int           // 0 means DefaultWedgeMinLen
	MaxGap time.Duration // 0 means DefaultWedgeMaxGap

	line  []rune    // keys since the last Enter or Reset
	last  time.Time // arrival of the last key in line
	start int       // index in line where the current burst began

	burstStart int    // the last scan's start in its line
	burst      []rune // the last scan's keys; nil when the last Enter was not a scan
}

// Key records a printable key arriving at at.
func (w *Wedge) Key(r rune, at time.Time) {
	if len(w.line) >= wedgeMaxLine {
		w.Reset()
	}
	if len(w.line) == 0 || !w.within(w.last, at) {
		w.start = len(w.line)
	}
	w.line = append(w.line, r)
	w.last = at
}

// Enter records Enter arriving at at and reports whether the keys before it were a
// scan; scan is the scanned code (the burst only, without keys typed before it).
// Either way the next key starts a new line.
func (w *Wedge) Enter(at time.Time) (scan string, isScan bool) {
	defer w.clearLine()
	n := len(w.line) - w.start
	if n == 0 || n < w.minLen() || !w.within(w.last, at) {
		w.burstStart, w.burst = 0, nil
		return "", false
	}
	w.burstStart = w.start
	w.burst = append([]rune(nil), w.line[w.start:]...)
	return string(w.burst), true
}

// Burst tells the UI which keys of the last scan landed in a text field by mistake:
// start is the index of the first scanned key among the keys fed since the Enter (or
// Reset) before it, and runes are the scanned keys: the UI deletes len(runes)
// characters from position start. runes is nil when the last Enter was not a scan.
func (w *Wedge) Burst() (start int, runes []rune) {
	return w.burstStart, append([]rune(nil), w.burst...)
}

// Reset forgets the keys since the last Enter, as when focus moves to another field.
func (w *Wedge) Reset() {
	w.clearLine()
	w.burstStart, w.burst = 0, nil
}

// clearLine starts a new line of keys.
func (w *Wedge) clearLine() {
	w.line, w.start, w.last = w.line[:0], 0, time.Time{}
}

// within reports whether next came no later than MaxGap after prev (and not before
// it: a clock that steps back breaks a burst rather than joining one).
func (w *Wedge) within(prev, next time.Time) bool {
	gap := next.Sub(prev)
	return gap >= 0 && gap <= w.maxGap()
}

func (w *Wedge) minLen() int {
	if w.MinLen <= 0 {
		return DefaultWedgeMinLen
	}
	return w.MinLen
}

func (w *Wedge) maxGap() time.Duration {
	if w.MaxGap <= 0 {
		return DefaultWedgeMaxGap
	}
	return w.MaxGap
}
