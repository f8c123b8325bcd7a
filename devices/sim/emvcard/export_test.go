package emvcard

// clone is a card with the same personalisation and counters, for tests that each
// want a fresh card without signing its certificates again.
func (c *Card) clone() *Card {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := &Card{profile: c.profile, blocked: c.blocked, random: c.random}
	for _, a := range c.apps {
		copied := *a
		copied.pin = append([]byte(nil), a.pin...)
		n.apps = append(n.apps, &copied)
	}
	return n
}
