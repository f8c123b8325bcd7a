package sim

import (
	"fmt"
	"sync"
	"time"
)

// ByteTime9600 is how long one byte takes on a 9600-baud 8N1 line (10 bits): set it
// as Scanner.ByteDelay to send like a serial scanner at its factory setting.
const ByteTime9600 = time.Second / 960

// Scanner simulates a serial barcode scanner: each Scan sends Prefix + code + suffix
// to the till over a pseudo-terminal, which the till opens at Path with
// devices/serialport. Set Prefix and ByteDelay before the first Scan.
type Scanner struct {
	Prefix    string        // sent before each code (most scanners: none)
	ByteDelay time.Duration // 0 sends each scan in one write; >0 paces it byte by byte

	pty    *PTY
	suffix string
	mu     sync.Mutex // one scan at a time
}

// StartScanner opens a pseudo-terminal for a scanner that ends each code with suffix,
// the literal bytes ("\r", "\n", "\r\n", or "" for none).
func StartScanner(suffix string) (*Scanner, error) {
	p, err := OpenPTY()
	if err != nil {
		return nil, fmt.Errorf("sim scanner: %w", err)
	}
	return &Scanner{pty: p, suffix: suffix}, nil
}

// Path is the device the till opens, e.g. /dev/pts/5.
func (s *Scanner) Path() string { return s.pty.Path }

// Scan sends one code. With a ByteDelay it returns when the last byte is written;
// if the scanner is unplugged meanwhile it stops and returns an error.
func (s *Scanner) Scan(code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	frame := []byte(s.Prefix + code + s.suffix)
	if s.ByteDelay <= 0 {
		return s.write(frame, code)
	}
	for i := range frame {
		if i > 0 {
			time.Sleep(s.ByteDelay)
		}
		if err := s.write(frame[i:i+1], code); err != nil {
			return err
		}
	}
	return nil
}

// write sends b to the till.
func (s *Scanner) write(b []byte, code string) error {
	if _, err := s.pty.Master.Write(b); err != nil {
		return fmt.Errorf("sim scanner %s: scan %q: %w", s.pty.Path, code, err)
	}
	return nil
}

// Unplug pulls the cable: the till's next read fails, and so does any Scan.
func (s *Scanner) Unplug() error { return s.pty.Unplug() }

// Close is Unplug.
func (s *Scanner) Close() error { return s.pty.Close() }
