package wallet

import (
	"crypto/rand"
	"fmt"
	"io"
	"math/big"
)

// GenerateCode makes a payment code of length digits beginning with prefix, the rest
// drawn from r (crypto/rand when nil): what a sandbox's wallet app shows the till.
// ClassifyCode takes it when prefix and length are a provider's.
func GenerateCode(r io.Reader, prefix string, length int) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	if length < len(prefix) {
		return "", fmt.Errorf("wallet: code of %d digits cannot begin with %q", length, prefix)
	}
	b := []byte(prefix)
	for len(b) < length {
		d, err := rand.Int(r, big.NewInt(10))
		if err != nil {
			return "", fmt.Errorf("wallet: code digits: %w", err)
		}
		b = append(b, byte('0'+d.Int64()))
	}
	return string(b), nil
}
