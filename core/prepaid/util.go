package prepaid

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"tilldesk/core/money"
)

// MaxIDLen bounds request, order and payment IDs.
const MaxIDLen = 128

// checkID checks a request ID: 1 to MaxIDLen printable ASCII characters, no spaces
// (an ID is the last word of a payment's reference).
func checkID(id string) error {
	if id == "" || len(id) > MaxIDLen {
		return fmt.Errorf("%w: request ID of %d characters (1-%d)", ErrBadRequest, len(id), MaxIDLen)
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return fmt.Errorf("%w: request ID with a space or a non-ASCII character", ErrBadRequest)
		}
	}
	return nil
}

// MaxReasonLen is the longest reason text, in characters.
const MaxReasonLen = 200

// cleanReason trims a reason and checks it: required, at most MaxReasonLen
// characters, no control characters.
func cleanReason(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxReasonLen || strings.ContainsFunc(s, unicode.IsControl) {
		return "", fmt.Errorf("%w: a reason of 1 to %d characters is required", ErrBadRequest, MaxReasonLen)
	}
	return s, nil
}

// checkCredit checks a positive amount within the till's range.
func checkCredit(a money.Amount) error {
	if a <= 0 || a > money.MaxAmount {
		return fmt.Errorf("%w: %s", ErrBadAmount, a)
	}
	return nil
}

// requestKey is what identifies a request's content, compared on a retry.
func requestKey(kind Kind, parts ...any) string {
	var b strings.Builder
	b.WriteString(string(kind))
	for _, p := range parts {
		fmt.Fprintf(&b, "|%v", p)
	}
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// isErr is errors.Is.
func isErr(err, target error) bool { return errors.Is(err, target) }

// jsonString decodes a JSON string state value.
func jsonString(raw []byte, s *string) error {
	if err := json.Unmarshal(raw, s); err != nil {
		return fmt.Errorf("prepaid: state value unreadable: %w (%v)", ErrInconsistent, err)
	}
	return nil
}

// cardKey is a short stand-in for a card number in derived request IDs, which are
// logged: the first 16 hex digits of the number's SHA-256.
func cardKey(card string) string {
	sum := sha256.Sum256([]byte(card))
	return hex.EncodeToString(sum[:8])
}
