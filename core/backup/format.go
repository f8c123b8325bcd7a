// Package backup is Tilldesk's encrypted backup file: a snapshot of the journal (the
// bbolt file) and a JSON manifest, sealed under a key derived from a passphrase, in one
// file that can be carried away on a USB stick and opened read-only later.
//
// The file is a plain header followed by a stream of AES-256-GCM chunks:
//
//	header  magic "TILLDESK-BACKUP\x00" | version u16 | KDF id u8 (1 = argon2id)
//	        | argon2 time u32 | memory KiB u32 | threads u8 | salt length u8 | salt
//	        | chunk size u32 | key check value [32]
//	chunk   nonce [12] | ciphertext of up to chunk-size bytes | tag [16]
//
// All integers are big-endian. Every chunk but the last holds exactly chunk-size bytes
// of plaintext; the last holds fewer (possibly none), which is how a reader knows it is
// the last. Each chunk is authenticated together with the SHA-256 of the header, its
// index and a final flag, so an altered header or chunk, chunks swapped, dropped or
// repeated, a file cut short or data appended are all detected (ErrTampered). The key
// check value is derived from the key (not from the data), so a wrong passphrase is
// told apart from a damaged file (ErrBadPassphrase) before any chunk is opened.
//
// The plaintext stream is: manifest length u32 | manifest JSON | snapshot bytes.
package backup

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/argon2"
)

// Magic starts every backup file.
const Magic = "TILLDESK-BACKUP\x00"

// Version is the file format this build writes and reads.
const Version = 1

// Errors a backup reader reports. A damaged file and a wrong passphrase are told
// apart, except that a changed salt or KDF parameter (which changes the key) looks like
// a wrong passphrase: no one can tell those apart without the right key.
var (
	ErrNotBackup     = errors.New("backup: not a Tilldesk backup file")
	ErrNewerVersion  = errors.New("backup: written by a newer Tilldesk")
	ErrBadPassphrase = errors.New("backup: wrong passphrase")
	ErrTampered      = errors.New("backup: file is damaged, truncated or has been altered")
)

// KDFParams are the argon2id parameters that turn a passphrase into the file key.
type KDFParams struct {
	Time      uint32 // passes over memory
	MemoryKiB uint32 // memory in KiB
	Threads   uint8  // parallelism
}

// DefaultKDF is what Write uses when Options.KDF is zero: the RFC 9106 second
// recommendation (64 MiB), about a third of a second on a till's CPU.
var DefaultKDF = KDFParams{Time: 3, MemoryKiB: 64 * 1024, Threads: 4}

// Limits a reader accepts, so a hostile header cannot make it allocate gigabytes.
const (
	kdfArgon2id     = 1
	minSalt         = 16
	maxSalt         = 64
	maxTime         = 64
	minMemoryKiB    = 8
	maxMemoryKiB    = 1 << 20 // 1 GiB
	minChunk        = 512
	maxChunk        = 16 << 20
	defaultChunk    = 64 << 10
	keyCheckSize    = 32
	nonceSize       = 12
	tagSize         = 16
	fixedHeaderSize = len(Magic) + 2 + 1 + 4 + 4 + 1 + 1 + 4 + keyCheckSize
	maxHeaderSize   = fixedHeaderSize + maxSalt
)

// header is the plain part at the start of a file.
type header struct {
	version   uint16
	kdf       KDFParams
	salt      []byte
	chunkSize uint32
	keyCheck  [keyCheckSize]byte
}

func (p KDFParams) check() error {
	if p.Time < 1 || p.Time > maxTime || p.MemoryKiB < minMemoryKiB || p.MemoryKiB > maxMemoryKiB || p.Threads < 1 {
		return fmt.Errorf("argon2id parameters t=%d m=%dKiB p=%d out of range", p.Time, p.MemoryKiB, p.Threads)
	}
	return nil
}

// encode lays the header out as stored.
func (h *header) encode() []byte {
	b := make([]byte, 0, fixedHeaderSize+len(h.salt))
	b = append(b, Magic...)
	b = binary.BigEndian.AppendUint16(b, h.version)
	b = append(b, kdfArgon2id)
	b = binary.BigEndian.AppendUint32(b, h.kdf.Time)
	b = binary.BigEndian.AppendUint32(b, h.kdf.MemoryKiB)
	b = append(b, h.kdf.Threads, byte(len(h.salt)))
	b = append(b, h.salt...)
	b = binary.BigEndian.AppendUint32(b, h.chunkSize)
	return append(b, h.keyCheck[:]...)
}

// readHeader reads and checks a header, returning it and its exact bytes.
func readHeader(r io.Reader) (*header, []byte, error) {
	raw := make([]byte, len(Magic), maxHeaderSize)
	if n, err := io.ReadFull(r, raw); err != nil || string(raw) != Magic {
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, nil, fmt.Errorf("backup: read header: %w", err)
		}
		return nil, nil, fmt.Errorf("%w (%d bytes do not start with the backup magic)", ErrNotBackup, n)
	}
	more := func(n int) ([]byte, error) {
		start := len(raw)
		raw = raw[:start+n]
		if _, err := io.ReadFull(r, raw[start:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, fmt.Errorf("%w: header cut short", ErrTampered)
			}
			return nil, fmt.Errorf("backup: read header: %w", err)
		}
		return raw[start:], nil
	}
	fixed, err := more(2 + 1 + 4 + 4 + 1 + 1)
	if err != nil {
		return nil, nil, err
	}
	h := &header{version: binary.BigEndian.Uint16(fixed)}
	switch {
	case h.version > Version:
		return nil, nil, fmt.Errorf("%w (format %d, this Tilldesk reads up to %d)", ErrNewerVersion, h.version, Version)
	case h.version < 1:
		return nil, nil, fmt.Errorf("%w: format version 0", ErrTampered)
	case fixed[2] != kdfArgon2id:
		return nil, nil, fmt.Errorf("%w: unknown key derivation %d", ErrTampered, fixed[2])
	}
	h.kdf = KDFParams{Time: binary.BigEndian.Uint32(fixed[3:]), MemoryKiB: binary.BigEndian.Uint32(fixed[7:]), Threads: fixed[11]}
	if err := h.kdf.check(); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrTampered, err)
	}
	saltLen := int(fixed[12])
	if saltLen < minSalt || saltLen > maxSalt {
		return nil, nil, fmt.Errorf("%w: salt of %d bytes", ErrTampered, saltLen)
	}
	rest, err := more(saltLen + 4 + keyCheckSize)
	if err != nil {
		return nil, nil, err
	}
	h.salt = rest[:saltLen]
	h.chunkSize = binary.BigEndian.Uint32(rest[saltLen:])
	if h.chunkSize < minChunk || h.chunkSize > maxChunk {
		return nil, nil, fmt.Errorf("%w: chunk size %d", ErrTampered, h.chunkSize)
	}
	copy(h.keyCheck[:], rest[saltLen+4:])
	return h, raw, nil
}

// keys derives the file's AES key and key check value from the passphrase.
func (h *header) keys(passphrase string) (key, check []byte, err error) {
	master := argon2.IDKey([]byte(passphrase), h.salt, h.kdf.Time, h.kdf.MemoryKiB, h.kdf.Threads, 32)
	defer clear(master)
	if key, err = hkdf.Key(sha256.New, master, h.salt, "tilldesk-backup v1 file key", 32); err != nil {
		return nil, nil, fmt.Errorf("backup: derive key: %w", err)
	}
	if check, err = hkdf.Key(sha256.New, master, h.salt, "tilldesk-backup v1 key check", keyCheckSize); err != nil {
		return nil, nil, fmt.Errorf("backup: derive key: %w", err)
	}
	return key, check, nil
}

// aeadFor checks the passphrase against the header's key check value and returns the
// cipher for the chunks.
func (h *header) aeadFor(passphrase string) (cipher.AEAD, error) {
	key, check, err := h.keys(passphrase)
	if err != nil {
		return nil, err
	}
	defer clear(key)
	if subtle.ConstantTimeCompare(check, h.keyCheck[:]) != 1 {
		return nil, ErrBadPassphrase
	}
	return newAEAD(key)
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("backup: cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("backup: cipher: %w", err)
	}
	return aead, nil
}

// chunkAAD is what each chunk is authenticated with besides its ciphertext.
func chunkAAD(dst []byte, headerDigest *[32]byte, index uint64, final bool) []byte {
	dst = append(dst[:0], headerDigest[:]...)
	dst = binary.BigEndian.AppendUint64(dst, index)
	if final {
		return append(dst, 1)
	}
	return append(dst, 0)
}
