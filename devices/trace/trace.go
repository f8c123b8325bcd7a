// Package trace records a timestamped hex dump of every byte a device adapter sends and
// receives, to a size-limited rotating file, for support cases. Switch it on per device
// from the devices screen.
package trace

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"tilldesk/devices"
)

// File is a trace file that rotates at MaxBytes, keeping Keep old files
// (name.1 ... name.Keep).
type File struct {
	Path     string
	MaxBytes int64
	Keep     int
	Now      func() time.Time

	mu   sync.Mutex
	f    *os.File
	size int64
}

// Open opens (appending) or creates the trace file.
func Open(path string, maxBytes int64, keep int) (*File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	t := &File{Path: path, MaxBytes: maxBytes, Keep: keep, Now: time.Now}
	if err := t.open(); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *File) open() error {
	f, err := os.OpenFile(t.Path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("trace: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("trace: %w", err)
	}
	t.f, t.size = f, st.Size()
	return nil
}

// Record writes one line: time, port, direction (">" to the device, "<" from it), hex.
func (t *File) Record(port, dir string, b []byte) {
	if len(b) == 0 {
		return
	}
	line := fmt.Sprintf("%s %s %s %s\n", t.Now().UTC().Format("2006-01-02T15:04:05.000000Z"), port, dir, hex.EncodeToString(b))
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.f == nil {
		return
	}
	if t.size+int64(len(line)) > t.MaxBytes {
		t.rotate()
	}
	n, _ := t.f.WriteString(line)
	t.size += int64(n)
}

// rotate shifts name -> name.1 -> name.2 ... and starts an empty file.
func (t *File) rotate() {
	t.f.Close()
	for i := t.Keep; i >= 1; i-- {
		from := t.Path
		if i > 1 {
			from = fmt.Sprintf("%s.%d", t.Path, i-1)
		}
		_ = os.Rename(from, fmt.Sprintf("%s.%d", t.Path, i))
	}
	if t.Keep == 0 {
		_ = os.Remove(t.Path)
	}
	if err := t.open(); err != nil {
		t.f = nil
	}
}

// Close closes the file.
func (t *File) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.f == nil {
		return nil
	}
	err := t.f.Close()
	t.f = nil
	return err
}

// Port wraps a device port so every byte in and out is recorded.
type Port struct {
	devices.Port
	T *File
}

// Read records what arrived.
func (p Port) Read(b []byte) (int, error) {
	n, err := p.Port.Read(b)
	p.T.Record(p.Name(), "<", b[:n])
	return n, err
}

// Write records what was sent.
func (p Port) Write(b []byte) (int, error) {
	n, err := p.Port.Write(b)
	p.T.Record(p.Name(), ">", b[:n])
	return n, err
}
