package backup

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"
	"time"
)

// testKDF keeps argon2id cheap in tests; real backups use DefaultKDF.
var testKDF = KDFParams{Time: 1, MemoryKiB: minMemoryKiB, Threads: 1}

const testPass = "correct horse battery staple"

func testRand(seed uint64) io.Reader { return rand.NewChaCha8([32]byte{byte(seed)}) }

func testManifest() Manifest {
	return Manifest{Terminal: "DEMO0001", Merchant: "898310000000001", Created: time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC),
		Records: 42, LastHash: "ab12", Dereg: []byte(`{"run":"r1","step":"backup"}`)}
}

func payload(n int) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{9}).Read(b)
	return b
}

// seal writes a backup of data with 512-byte chunks.
func seal(t testing.TB, data []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	sum, err := Write(&out, bytes.NewReader(data), testManifest(), testPass, testRand(1), Options{KDF: testKDF, ChunkSize: minChunk})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Size != int64(out.Len()) || sum.SnapshotSize != int64(len(data)) || len(sum.SHA256) != 64 {
		t.Fatalf("summary %+v for %d bytes written", sum, out.Len())
	}
	return out.Bytes()
}

// openAll opens a backup and reads the whole snapshot.
func openAll(file []byte, pass string) (Manifest, []byte, error) {
	m, r, err := Open(iotest.OneByteReader(bytes.NewReader(file)), pass)
	if err != nil {
		return m, nil, err
	}
	data, err := io.ReadAll(r)
	return m, data, err
}

func TestRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 500, 507, 508, 512, 1019, 1020, 5000, 70000} {
		data := payload(n)
		file := seal(t, data)
		m, got, err := openAll(file, testPass)
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("%d bytes: snapshot differs (%d bytes back)", n, len(got))
		}
		want := testManifest()
		want.Format = ManifestFormat
		if m.Terminal != want.Terminal || m.Records != 42 || m.LastHash != "ab12" || !m.Created.Equal(want.Created) || string(m.Dereg) != string(want.Dereg) || m.Format != 1 {
			t.Fatalf("manifest %+v", m)
		}
		if bytes.Contains(file, data[:min(n, 64)]) && n >= 16 {
			t.Fatalf("%d bytes: plaintext visible in the file", n)
		}
	}
}

func TestDefaultsAndProgress(t *testing.T) {
	var seen []int64
	var out bytes.Buffer
	data := payload(200 << 10)
	_, err := Write(&out, bytes.NewReader(data), testManifest(), testPass, nil, Options{KDF: testKDF, Progress: func(n int64) { seen = append(seen, n) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) < 2 || seen[len(seen)-1] != int64(len(data)) {
		t.Fatalf("progress %v", seen)
	}
	if _, got, err := openAll(out.Bytes(), testPass); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("open: %v", err)
	}
	if _, err := Write(io.Discard, bytes.NewReader(nil), testManifest(), "", nil, Options{KDF: testKDF}); err == nil {
		t.Fatal("empty passphrase accepted")
	}
}

func TestWrongPassphrase(t *testing.T) {
	file := seal(t, payload(3000))
	for _, pass := range []string{"", "correct horse battery stapl", "Correct horse battery staple"} {
		if _, _, err := openAll(file, pass); !errors.Is(err, ErrBadPassphrase) {
			t.Errorf("passphrase %q: %v, want ErrBadPassphrase", pass, err)
		}
	}
}

// Every single-byte change is refused: in the header as not a backup, a newer
// version, a wrong passphrase (salt, KDF) or tampering; after it always as tampering.
func TestTamperedByte(t *testing.T) {
	data := payload(1500)
	file := seal(t, data)
	hdr := fixedHeaderSize + minSalt
	for i := range file {
		bad := bytes.Clone(file)
		bad[i] ^= 0x01
		_, _, err := openAll(bad, testPass)
		switch {
		case err == nil:
			t.Fatalf("byte %d changed: opened without error", i)
		case i >= hdr && !errors.Is(err, ErrTampered):
			t.Fatalf("byte %d changed: %v, want ErrTampered", i, err)
		case i < hdr && !errors.Is(err, ErrTampered) && !errors.Is(err, ErrBadPassphrase) && !errors.Is(err, ErrNotBackup) && !errors.Is(err, ErrNewerVersion):
			t.Fatalf("header byte %d changed: %v", i, err)
		}
	}
}

func TestTruncatedAndExtended(t *testing.T) {
	file := seal(t, payload(1500))
	for n := 0; n < len(file); n++ {
		_, _, err := openAll(file[:n], testPass)
		if !errors.Is(err, ErrTampered) && !errors.Is(err, ErrNotBackup) {
			t.Fatalf("cut to %d of %d bytes: %v", n, len(file), err)
		}
	}
	for _, extra := range [][]byte{{0}, bytes.Repeat([]byte{7}, 600)} {
		if _, _, err := openAll(append(bytes.Clone(file), extra...), testPass); !errors.Is(err, ErrTampered) {
			t.Fatalf("%d bytes appended: %v", len(extra), err)
		}
	}
}

func TestReorderedChunks(t *testing.T) {
	file := seal(t, payload(3000))
	hdr := fixedHeaderSize + minSalt
	size := nonceSize + minChunk + tagSize
	chunk := func(i int) []byte { return file[hdr+i*size : hdr+(i+1)*size] }
	n := (len(file) - hdr) / size // full chunks; the final one is shorter
	if n < 3 {
		t.Fatalf("only %d full chunks", n)
	}
	build := func(order ...int) []byte {
		out := bytes.Clone(file[:hdr])
		for _, i := range order {
			out = append(out, chunk(i)...)
		}
		return append(out, file[hdr+n*size:]...)
	}
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	if _, _, err := openAll(build(all...), testPass); err != nil {
		t.Fatalf("rebuilt in order: %v", err)
	}
	swapped := append([]int{0, 2, 1}, all[3:]...)
	dropped := append([]int{0}, all[2:]...)
	repeated := append([]int{0, 1, 1}, all[2:]...)
	for name, order := range map[string][]int{"swapped": swapped, "dropped": dropped, "repeated": repeated} {
		if _, _, err := openAll(build(order...), testPass); !errors.Is(err, ErrTampered) {
			t.Errorf("%s chunks: %v, want ErrTampered", name, err)
		}
	}
	// The final chunk alone after the header, or a full chunk presented as final.
	if _, _, err := openAll(append(bytes.Clone(file[:hdr]), file[hdr+n*size:]...), testPass); !errors.Is(err, ErrTampered) {
		t.Errorf("only the final chunk: %v", err)
	}
	if _, _, err := openAll(file[:hdr+size-1], testPass); !errors.Is(err, ErrTampered) {
		t.Errorf("first chunk cut by one byte: %v", err)
	}
}

func TestHeaderLimits(t *testing.T) {
	file := seal(t, payload(10))
	h, raw, err := readHeader(bytes.NewReader(file))
	if err != nil || !bytes.Equal(raw, h.encode()) {
		t.Fatalf("readHeader: %v", err)
	}
	for name, mutate := range map[string]func(*header){
		"version 2":  func(h *header) { h.version = 2 },
		"version 0":  func(h *header) { h.version = 0 },
		"time 0":     func(h *header) { h.kdf.Time = 0 },
		"memory 2G":  func(h *header) { h.kdf.MemoryKiB = 2 << 20 },
		"threads 0":  func(h *header) { h.kdf.Threads = 0 },
		"salt 8":     func(h *header) { h.salt = h.salt[:8] },
		"chunk 16":   func(h *header) { h.chunkSize = 16 },
		"chunk 32MB": func(h *header) { h.chunkSize = 32 << 20 },
	} {
		bad := *h
		bad.salt = bytes.Clone(h.salt)
		mutate(&bad)
		_, _, err := readHeader(bytes.NewReader(bad.encode()))
		if !errors.Is(err, ErrTampered) && !errors.Is(err, ErrNewerVersion) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, _, err := readHeader(bytes.NewReader([]byte("SQLite format 3\x00and more"))); !errors.Is(err, ErrNotBackup) {
		t.Errorf("foreign file: %v", err)
	}
	if _, _, err := readHeader(iotest.ErrReader(io.ErrClosedPipe)); !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("read error: %v", err)
	}
}

// A failing destination stops Write with that error.
func TestWriteErrors(t *testing.T) {
	full := errors.New("no space left on device")
	for _, after := range []int{0, 10, 100, 2000} {
		w := &failingWriter{room: after, err: full}
		_, err := Write(w, bytes.NewReader(payload(5000)), testManifest(), testPass, testRand(2), Options{KDF: testKDF, ChunkSize: minChunk})
		if !errors.Is(err, full) {
			t.Errorf("destination full after %d bytes: %v", after, err)
		}
	}
	_, err := Write(io.Discard, iotest.ErrReader(io.ErrUnexpectedEOF), testManifest(), testPass, testRand(2), Options{KDF: testKDF})
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("failing snapshot: %v", err)
	}
	if _, err := Write(io.Discard, bytes.NewReader(nil), testManifest(), testPass, iotest.ErrReader(io.ErrNoProgress), Options{KDF: testKDF}); !errors.Is(err, io.ErrNoProgress) {
		t.Errorf("failing rand: %v", err)
	}
}

type failingWriter struct {
	room int
	err  error
}

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.room {
		n := w.room
		w.room = 0
		return n, w.err
	}
	w.room -= len(p)
	return len(p), nil
}
