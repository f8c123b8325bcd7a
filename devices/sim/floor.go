package sim

import (
	"fmt"
	"slices"
	"time"

	"tilldesk/devices/serialport"
)

// SerialReadFloor measures the floor for serial-device latency benchmarks: n times, the
// time from writing payload on a pseudo-terminal's device side until a goroutine blocked
// in raw Reads of the real serial adapter has all of it and hands it over a channel.
// No reader serving another goroutine can do better on this machine.
func SerialReadFloor(n int, payload []byte) ([]time.Duration, error) {
	pty, err := OpenPTY()
	if err != nil {
		return nil, err
	}
	defer pty.Close()
	p, err := serialport.Open(serialport.Config{Path: pty.Path})
	if err != nil {
		return nil, err
	}
	if err := p.SetReadTimeout(50 * time.Millisecond); err != nil {
		return nil, err
	}
	got := make(chan int)
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for have := 0; ; {
			k, err := p.Read(buf)
			if err != nil {
				return
			}
			if have += k; have >= len(payload) {
				got <- have
				have = 0
			}
		}
	}()
	defer func() {
		p.Close()
		<-done
	}()
	samples := make([]time.Duration, 0, n)
	for range n {
		start := time.Now()
		if _, err := pty.Master.Write(payload); err != nil {
			return nil, fmt.Errorf("sim: floor write: %w", err)
		}
		<-got
		samples = append(samples, time.Since(start))
	}
	return samples, nil
}

// Percentile is the p-th percentile of samples (nearest rank).
func Percentile(samples []time.Duration, p int) time.Duration {
	if len(samples) == 0 {
		return 0
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	i := (len(s)*p+99)/100 - 1
	return s[max(0, min(i, len(s)-1))]
}
