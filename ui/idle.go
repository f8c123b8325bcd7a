package ui

import (
	"log/slog"
	"sync/atomic"
	"time"
)

// Idle sign-off. A till left signed on is a till anyone can sell, refund or open the
// drawer on, so after the configured minutes with no key, scan or function-key tap the
// operator is signed off, the sale in progress held first (as a manual sign-off does).
// Only the plain cashier screen signs off by itself: with a prompt, the cash dialog or
// a console screen open, someone is in the middle of something that is theirs to
// finish, and the next tick after they close it starts the count again.

// inputSeen counts keys typed in any entry and function keys tapped, on every screen.
var inputSeen atomic.Uint64

// noteInput records that the person at the till did something.
func noteInput() { inputSeen.Add(1) }

// idleWatch is when the cashier screen last saw input.
type idleWatch struct {
	seen  uint64
	since time.Time
}

// checkIdle runs every clock tick on the UI goroutine.
func (c *Cashier) checkIdle(now time.Time) {
	n := inputSeen.Load()
	if c.idle.since.IsZero() || n != c.idle.seen || c.busy() {
		c.idle = idleWatch{seen: n, since: now}
		return
	}
	limit := time.Duration(c.config.UI.IdleLogoutMinutes) * time.Minute
	if limit <= 0 || c.console == nil || now.Sub(c.idle.since) < limit {
		return
	}
	if _, ok := c.console.Auth.Current(); !ok {
		return
	}
	c.idle = idleWatch{seen: n, since: now}
	slog.Info("idle: signing the operator off", "minutes", c.config.UI.IdleLogoutMinutes)
	c.logout()
	c.say(trf("msg.idle_logout", map[string]any{"Minutes": c.config.UI.IdleLogoutMinutes}))
}

// busy is true while a prompt, dialog or console screen is open over the cashier.
func (c *Cashier) busy() bool {
	return c.Popup != nil || c.CashPad != nil || c.Picker != nil || c.DevScreen != nil || c.Screen != nil
}
