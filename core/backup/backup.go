package backup

import (
	"bufio"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"time"
)

// ManifestFormat is the manifest layout this build writes.
const ManifestFormat = 1

// maxManifest bounds the manifest a reader accepts.
const maxManifest = 1 << 20

// Manifest describes the journal snapshot in a backup: which terminal it is from and
// what the journal held, so the copy can be checked against the live journal and
// identified later without being opened.
type Manifest struct {
	Format     int             `json:"format"`
	Terminal   string          `json:"terminal"`
	Merchant   string          `json:"merchant"`
	Created    time.Time       `json:"created"`
	Records    uint64          `json:"records"`   // journal records in the snapshot
	LastHash   string          `json:"last_hash"` // hash of the newest record
	AppVersion string          `json:"app_version,omitempty"`
	Dereg      json.RawMessage `json:"deregistration,omitempty"` // the deregistration in progress, if any
}

// Options tune Write; the zero value is the defaults.
type Options struct {
	KDF       KDFParams // DefaultKDF when zero
	ChunkSize int       // plaintext bytes per chunk; 64 KiB when 0
	// Progress, when set, is called as the snapshot is read with the bytes read so far.
	Progress func(snapshotBytes int64)
}

// Summary describes a written backup file.
type Summary struct {
	SHA256       string // hex SHA-256 of the whole file, as written
	Size         int64  // bytes written
	SnapshotSize int64  // snapshot bytes sealed
}

// Write seals the manifest and the snapshot read from snapshot into dst under a key
// derived from passphrase with argon2id. rnd supplies the salt and nonces
// (crypto/rand when nil). Write does not close or sync dst.
func Write(dst io.Writer, snapshot io.Reader, m Manifest, passphrase string, rnd io.Reader, opt Options) (Summary, error) {
	var sum Summary
	if passphrase == "" {
		return sum, errors.New("backup: write: empty passphrase")
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	if opt.KDF == (KDFParams{}) {
		opt.KDF = DefaultKDF
	}
	if opt.ChunkSize == 0 {
		opt.ChunkSize = defaultChunk
	}
	if err := opt.KDF.check(); err != nil {
		return sum, fmt.Errorf("backup: write: %w", err)
	}
	if opt.ChunkSize < minChunk || opt.ChunkSize > maxChunk {
		return sum, fmt.Errorf("backup: write: chunk size %d out of range", opt.ChunkSize)
	}
	if m.Format == 0 {
		m.Format = ManifestFormat
	}
	manifest, err := json.Marshal(m)
	if err != nil {
		return sum, fmt.Errorf("backup: write: manifest: %w", err)
	}
	if len(manifest) > maxManifest {
		return sum, fmt.Errorf("backup: write: manifest of %d bytes is too large", len(manifest))
	}

	h := &header{version: Version, kdf: opt.KDF, salt: make([]byte, minSalt), chunkSize: uint32(opt.ChunkSize)}
	if _, err := io.ReadFull(rnd, h.salt); err != nil {
		return sum, fmt.Errorf("backup: write: random salt: %w", err)
	}
	key, check, err := h.keys(passphrase)
	if err != nil {
		return sum, err
	}
	defer clear(key)
	copy(h.keyCheck[:], check)
	aead, err := newAEAD(key)
	if err != nil {
		return sum, err
	}

	fileHash := sha256.New()
	out := &countingWriter{w: io.MultiWriter(dst, fileHash)}
	raw := h.encode()
	if _, err := out.Write(raw); err != nil {
		return sum, fmt.Errorf("backup: write header: %w", err)
	}
	s := newSealer(out, aead, rnd, sha256.Sum256(raw), opt.ChunkSize)
	if _, err := s.Write(binary.BigEndian.AppendUint32(nil, uint32(len(manifest)))); err != nil {
		return sum, err
	}
	if _, err := s.Write(manifest); err != nil {
		return sum, err
	}
	src := &countingReader{r: snapshot, progress: opt.Progress}
	if _, err := io.Copy(s, src); err != nil {
		if s.err == nil { // the snapshot failed, not the output
			err = fmt.Errorf("backup: read snapshot: %w", err)
		}
		return sum, err
	}
	if err := s.Close(); err != nil {
		return sum, err
	}
	return Summary{SHA256: hex.EncodeToString(fileHash.Sum(nil)), Size: out.n, SnapshotSize: src.n}, nil
}

// Open checks the passphrase and returns the manifest and a reader of the snapshot.
// The manifest is authentic when Open returns it, but whether the file is complete is
// known only when the snapshot reader reaches io.EOF: read it to the end, and trust
// nothing read from it if it fails (with ErrTampered) before then.
func Open(src io.Reader, passphrase string) (Manifest, io.Reader, error) {
	var m Manifest
	h, raw, err := readHeader(src)
	if err != nil {
		return m, nil, err
	}
	aead, err := h.aeadFor(passphrase)
	if err != nil {
		return m, nil, err
	}
	o := newOpener(src, aead, sha256.Sum256(raw), int(h.chunkSize))
	var n [4]byte
	if _, err := io.ReadFull(o, n[:]); err != nil {
		return m, nil, manifestError(err)
	}
	size := binary.BigEndian.Uint32(n[:])
	if size > maxManifest {
		return m, nil, fmt.Errorf("%w: manifest of %d bytes", ErrTampered, size)
	}
	data := make([]byte, size)
	if _, err := io.ReadFull(o, data); err != nil {
		return m, nil, manifestError(err)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, nil, fmt.Errorf("%w: manifest unreadable: %v", ErrTampered, err)
	}
	return m, bufio.NewReaderSize(o, 32<<10), nil
}

func manifestError(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: the file ends inside the manifest", ErrTampered)
	}
	return fmt.Errorf("backup: read manifest: %w", err)
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

type countingReader struct {
	r        io.Reader
	n        int64
	progress func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if n > 0 && c.progress != nil {
		c.progress(c.n)
	}
	return n, err
}

// hashingReader hashes everything read through it.
type hashingReader struct {
	r io.Reader
	h hash.Hash
	n int64
}

func (hr *hashingReader) Read(p []byte) (int, error) {
	n, err := hr.r.Read(p)
	hr.h.Write(p[:n])
	hr.n += int64(n)
	return n, err
}
