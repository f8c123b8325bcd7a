package ui

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"tilldesk/app"
	"tilldesk/devices/cardreader"
)

// Prepaid cards tapped on the card reader. While a prepaid screen is open (the
// tender dialog, the manager's card screen) the card reader waits for a contactless
// card and reads its UID; the screen then looks the card up by it, or, on the
// manager's screen with the link form open, fills the UID in. Typing a UID stays
// possible for a till without a reader. The same card left on the reader is not
// looked up again and again: a UID read again within tapForget of the last time it
// was read is the same tap.

// errTapIgnored is shown when a card is tapped while a form that takes no card is open.
var errTapIgnored = errors.New("tap ignored: finish or close the open form first")

// Timing of the tap listener.
const (
	tapWait  = 30 * time.Second       // one wait for a tap; the listener then waits again
	tapPause = 500 * time.Millisecond // between reads of a card left on the reader, and after a reader fault
)

// tapForget is how long after a card was last read the same card counts as a new tap.
var tapForget = 2 * time.Second

// uidReader waits for a tapped card and returns its UID (app.CardReaderSlot.ReadUID).
type uidReader func(ctx context.Context) (string, error)

// listenForTaps starts a tap listener on the till's card reader (none without
// devices) for a prepaid screen; a card payment started later first waits until it
// has let the reader go (readerFree).
func (c *Cashier) listenForTaps(work *worker, log *slog.Logger, take func(uid string)) *tapListener {
	var read uidReader
	if c.devices != nil {
		read = c.devices.CardReader().ReadUID
	}
	l := listenForTaps(read, work, log, take)
	c.tapDone = l.done
	return l
}

// readerFree is closed once no tap listener holds the card reader (nil: none ever
// did). A card payment waits on it: a listener stopped a moment ago may still be
// powering down the card it read.
func (c *Cashier) readerFree() <-chan struct{} { return c.tapDone }

// tapListener hands the UIDs of cards tapped on the reader to take, on the UI
// goroutine through work, until stopped.
type tapListener struct {
	stop context.CancelFunc
	done chan struct{}
}

// listenForTaps starts reading taps with read (nil: none; the listener then does
// nothing). take runs on the UI goroutine for each new UID.
func listenForTaps(read uidReader, work *worker, log *slog.Logger, take func(uid string)) *tapListener {
	l := &tapListener{stop: func() {}, done: make(chan struct{})}
	if read == nil {
		close(l.done)
		return l
	}
	ctx, stop := context.WithCancel(context.Background())
	l.stop = stop
	go func() {
		defer close(l.done)
		var last string
		var seen time.Time
		for ctx.Err() == nil {
			rctx, cancel := context.WithTimeout(ctx, tapWait)
			uid, err := read(rctx)
			cancel()
			switch {
			case ctx.Err() != nil:
				return
			case err == nil:
				again := uid == last && time.Since(seen) < tapForget // still on the reader
				last, seen = uid, time.Now()
				if !again {
					log.Info("prepaid card tapped", "uid_chars", len(uid))
					work.post(func() { take(uid) })
				}
				pause(ctx, tapPause)
			case errors.Is(err, context.DeadlineExceeded):
			case errors.Is(err, cardreader.ErrNoUID), errors.Is(err, app.ErrCardReaderMissing):
				pause(ctx, tapPause)
			default:
				log.Info("tapped card not read", "err", err)
				pause(ctx, tapPause)
			}
		}
	}()
	return l
}

// Stop ends the listening; the reader is let go within its own timeout.
func (l *tapListener) Stop() { l.stop() }

// Wait waits until the listener has let the reader go (tests).
func (l *tapListener) Wait() { <-l.done }

// pause waits d or until ctx ends.
func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
