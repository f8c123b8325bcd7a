package users

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/argon2"
)

// PIN rules: 4 to 8 digits, not all one digit, not a run up or down (1234, 9876), not
// the operator's own ID.
const (
	MinPINLen = 4
	MaxPINLen = 8
)

// Errors CheckPIN returns.
var (
	ErrPINFormat = fmt.Errorf("a PIN is %d to %d digits", MinPINLen, MaxPINLen)
	ErrWeakPIN   = errors.New("PIN is too easy to guess: one digit repeated, consecutive digits up or down, or the operator ID")
)

// CheckPIN checks a new PIN for operator id against the PIN rules. The error never
// contains the PIN.
func CheckPIN(id, pin string) error {
	if len(pin) < MinPINLen || len(pin) > MaxPINLen || !allDigits(pin) {
		return ErrPINFormat
	}
	if pin == id || isRun(pin, 0) || isRun(pin, 1) || isRun(pin, -1) {
		return ErrWeakPIN
	}
	return nil
}

// isRun reports whether each digit of s is the previous one plus step.
func isRun(s string, step int) bool {
	for i := 1; i < len(s); i++ {
		if int(s[i])-int(s[i-1]) != step {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Params are the argon2id cost parameters of a PIN hash. They are stored in every
// hash, so they can be raised later: old hashes still verify, and NeedsRehash tells
// the caller to store a new hash at the next successful login.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over the memory
	Threads uint8  // lanes
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams: argon2id with 64 MiB, one pass, two lanes, a 16-byte salt and a
// 32-byte key. RFC 9106 §4 recommends argon2id with t=1 and 2 GiB, or t=3 and 64 MiB
// where memory is short; OWASP's password storage guide accepts 46 MiB with t=1. A
// countertop PC has two cores and verifies a PIN at every login and every manager
// override, so the hash must stay well under a tenth of a second there (64 MiB, t=1,
// p=2 takes 40-65 ms on the development machine) while still forcing an attacker to
// spend 64 MiB per guess. What protects a 4-8 digit PIN is the online lockout: no hash
// cost makes 10^4 candidates slow offline, so the journal file must stay on the till.
var DefaultParams = Params{Memory: 64 * 1024, Time: 1, Threads: 2, SaltLen: 16, KeyLen: 32}

// Bounds on parameters read from a stored hash, so that a corrupt or planted hash
// cannot make a login allocate gigabytes or run for minutes.
const (
	minMemory  = 8       // KiB per lane (argon2 needs 8 blocks per lane)
	maxMemory  = 1 << 18 // KiB: 256 MiB
	maxTime    = 16
	maxThreads = 16
	minSalt    = 8
	maxSalt    = 64
	minKey     = 16
	maxKey     = 64
)

// ErrBadParams is returned for cost parameters outside the bounds above.
var ErrBadParams = errors.New("argon2id parameters out of range")

// Validate checks p against the bounds a stored hash may have.
func (p Params) Validate() error {
	switch {
	case p.Threads < 1 || p.Threads > maxThreads:
		return fmt.Errorf("%w: p=%d (1-%d)", ErrBadParams, p.Threads, maxThreads)
	case p.Memory < minMemory*uint32(p.Threads) || p.Memory > maxMemory:
		return fmt.Errorf("%w: m=%d KiB (%d-%d)", ErrBadParams, p.Memory, minMemory*uint32(p.Threads), maxMemory)
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("%w: t=%d (1-%d)", ErrBadParams, p.Time, maxTime)
	case p.SaltLen < minSalt || p.SaltLen > maxSalt:
		return fmt.Errorf("%w: salt of %d bytes (%d-%d)", ErrBadParams, p.SaltLen, minSalt, maxSalt)
	case p.KeyLen < minKey || p.KeyLen > maxKey:
		return fmt.Errorf("%w: key of %d bytes (%d-%d)", ErrBadParams, p.KeyLen, minKey, maxKey)
	}
	return nil
}

// Hash hashes pin with these parameters and a fresh salt read from rand, and returns
// the PHC string. It does not apply the PIN rules (CheckPIN does).
func (p Params) Hash(pin string, rand io.Reader) (string, error) {
	if err := p.Validate(); err != nil {
		return "", err
	}
	salt := make([]byte, p.SaltLen)
	if _, err := io.ReadFull(rand, salt); err != nil {
		return "", fmt.Errorf("users: PIN salt: %w", err)
	}
	h := PHC{Params: p, Salt: salt}
	h.Key = h.derive(pin)
	return h.String(), nil
}

// HashPIN hashes pin with DefaultParams and a salt read from rand (crypto/rand.Reader
// in production) and returns the PHC string
// "$argon2id$v=19$m=65536,t=1,p=2$<salt>$<key>".
func HashPIN(pin string, rand io.Reader) (string, error) { return DefaultParams.Hash(pin, rand) }

// VerifyPIN reports whether pin matches the PHC string hash, comparing the keys in
// constant time. An error means the hash itself is unusable.
func VerifyPIN(hash, pin string) (bool, error) {
	h, err := ParsePHC(hash)
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(h.derive(pin), h.Key) == 1, nil
}

// NeedsRehash reports whether hash was made with parameters other than p (or cannot
// be read), so a caller who has just verified the PIN should store a new hash.
func NeedsRehash(hash string, p Params) bool {
	h, err := ParsePHC(hash)
	return err != nil || h.Params != p
}

// derive computes the argon2id key of pin with h's parameters and salt.
func (h PHC) derive(pin string) []byte {
	return argon2.IDKey([]byte(pin), h.Salt, h.Time, h.Memory, h.Threads, h.KeyLen)
}
