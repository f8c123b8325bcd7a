package trace

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakePort is a devices.Port that reads a fixed reply and swallows writes.
type fakePort struct{ reply []byte }

func (f *fakePort) Read(b []byte) (int, error)         { return copy(b, f.reply), nil }
func (f *fakePort) Write(b []byte) (int, error)        { return len(b), nil }
func (f *fakePort) Close() error                       { return nil }
func (f *fakePort) SetReadTimeout(time.Duration) error { return nil }
func (f *fakePort) Name() string                       { return "/dev/ttyUSB0" }

func TestTraceRecordsBothDirectionsAndRotates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "traces", "printer.trace")
	tf, err := Open(path, 200, 2)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	tf.Now = func() time.Time { return at }
	p := Port{Port: &fakePort{reply: []byte{0x12}}, T: tf}
	p.Write([]byte{0x10, 0x04, 0x01})
	buf := make([]byte, 4)
	p.Read(buf)
	got, _ := os.ReadFile(path)
	want := "2026-11-26T08:00:00.000000Z /dev/ttyUSB0 > 100401\n2026-11-26T08:00:00.000000Z /dev/ttyUSB0 < 12\n"
	if string(got) != want {
		t.Fatalf("trace =\n%s\nwant\n%s", got, want)
	}
	// Past 200 bytes the file rotates: printer.trace.1 holds the older lines, at most
	// Keep old files are kept.
	for range 12 {
		p.Write([]byte("receipt line"))
	}
	tf.Close()
	for _, name := range []string{path, path + ".1", path + ".2"} {
		b, err := os.ReadFile(name)
		if err != nil || len(b) > 200 || !strings.Contains(string(b), "/dev/ttyUSB0 >") {
			t.Errorf("%s: %d bytes, %v", name, len(b), err)
		}
	}
	if _, err := os.Stat(path + ".3"); err == nil {
		t.Error("more than Keep old trace files")
	}
	tf.Record("x", ">", []byte{1}) // after Close: ignored, no panic
}
