package users

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// PHC is a parsed argon2id hash in the PHC string format of the reference
// implementation (phc-winner-argon2, src/encoding.c):
//
//	$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<key>
//
// with salt and key in standard base64 without padding. Only argon2id version 19
// (0x13) is accepted, with parameters in that order and within Params.Validate's
// bounds, and only the canonical spelling, so String gives back exactly the text
// ParsePHC read.
type PHC struct {
	Params
	Salt []byte
	Key  []byte
}

// ErrBadHash is returned for a string that is not a PIN hash ParsePHC accepts.
var ErrBadHash = errors.New("not an argon2id v19 PHC hash")

// b64 is the PHC base64 alphabet: standard, unpadded, and strict about the unused
// low bits of the last character so every value has one spelling.
var b64 = base64.RawStdEncoding.Strict()

const phcPrefix = "$argon2id$v=19$"

// ParsePHC parses a PHC string. Errors never echo the input, which holds a hash.
func ParsePHC(s string) (PHC, error) {
	var h PHC
	rest, ok := strings.CutPrefix(s, phcPrefix)
	if !ok {
		return h, fmt.Errorf("%w: wrong algorithm or version", ErrBadHash)
	}
	fields := strings.Split(rest, "$")
	if len(fields) != 3 {
		return h, fmt.Errorf("%w: %d fields after the version, want 3", ErrBadHash, len(fields))
	}
	params := strings.Split(fields[0], ",")
	if len(params) != 3 {
		return h, fmt.Errorf("%w: want m=,t=,p= parameters", ErrBadHash)
	}
	var vals [3]uint32
	for i, name := range []string{"m", "t", "p"} {
		v, ok := strings.CutPrefix(params[i], name+"=")
		if !ok {
			return h, fmt.Errorf("%w: parameter %d is not %s=", ErrBadHash, i+1, name)
		}
		n, err := parseDecimal(v)
		if err != nil {
			return h, fmt.Errorf("%w: %s: %v", ErrBadHash, name, err)
		}
		vals[i] = n
	}
	if vals[2] > maxThreads {
		return h, fmt.Errorf("%w: p=%d: %w", ErrBadHash, vals[2], ErrBadParams)
	}
	h.Memory, h.Time, h.Threads = vals[0], vals[1], uint8(vals[2])
	var err error
	if h.Salt, err = decodeB64(fields[1]); err != nil {
		return h, fmt.Errorf("%w: salt is not base64", ErrBadHash)
	}
	if h.Key, err = decodeB64(fields[2]); err != nil {
		return h, fmt.Errorf("%w: key is not base64", ErrBadHash)
	}
	h.SaltLen, h.KeyLen = uint32(len(h.Salt)), uint32(len(h.Key))
	if err := h.Validate(); err != nil {
		return h, fmt.Errorf("%w: %w", ErrBadHash, err)
	}
	return h, nil
}

// decodeB64 decodes unpadded standard base64, refusing the line breaks that
// encoding/base64 would skip, so the text has one spelling.
func decodeB64(s string) ([]byte, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, errors.New("line break in base64")
	}
	return b64.DecodeString(s)
}

// parseDecimal reads a canonical unsigned decimal: digits only, no leading zero,
// at most 10 digits, within uint32.
func parseDecimal(s string) (uint32, error) {
	if s == "" || len(s) > 10 || !allDigits(s) || (s[0] == '0' && len(s) > 1) {
		return 0, errors.New("not a canonical decimal number")
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, errors.New("number out of range")
	}
	return uint32(n), nil
}

// String formats h as a PHC string.
func (h PHC) String() string {
	return fmt.Sprintf("%sm=%d,t=%d,p=%d$%s$%s", phcPrefix, h.Memory, h.Time, h.Threads,
		b64.EncodeToString(h.Salt), b64.EncodeToString(h.Key))
}
