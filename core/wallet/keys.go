package wallet

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// ErrBadKey is returned for a key that cannot be read.
var ErrBadKey = errors.New("wallet: RSA key not readable")

// keyDER returns the DER bytes of a PEM block, or of bare base64 (the form Alipay's
// key tool and open platform show keys in).
func keyDER(text string) ([]byte, error) {
	text = strings.TrimSpace(text)
	if block, _ := pem.Decode([]byte(text)); block != nil {
		return block.Bytes, nil
	}
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(text), ""))
	if err != nil || len(der) == 0 {
		return nil, fmt.Errorf("%w: neither PEM nor base64", ErrBadKey)
	}
	return der, nil
}

// ParseRSAPrivateKey reads an RSA private key: PEM or bare base64, PKCS #8 or PKCS #1.
// The error never quotes the key.
func ParseRSAPrivateKey(text string) (*rsa.PrivateKey, error) {
	der, err := keyDER(text)
	if err != nil {
		return nil, err
	}
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		if rk, ok := k.(*rsa.PrivateKey); ok {
			return rk, nil
		}
		return nil, fmt.Errorf("%w: not an RSA key", ErrBadKey)
	}
	k, err := x509.ParsePKCS1PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("%w: not PKCS #8 or PKCS #1", ErrBadKey)
	}
	return k, nil
}

// ParseRSAPublicKey reads an RSA public key: PEM or bare base64, PKIX or PKCS #1.
func ParseRSAPublicKey(text string) (*rsa.PublicKey, error) {
	der, err := keyDER(text)
	if err != nil {
		return nil, err
	}
	if k, err := x509.ParsePKIXPublicKey(der); err == nil {
		if rk, ok := k.(*rsa.PublicKey); ok {
			return rk, nil
		}
		return nil, fmt.Errorf("%w: not an RSA key", ErrBadKey)
	}
	k, err := x509.ParsePKCS1PublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("%w: not PKIX or PKCS #1", ErrBadKey)
	}
	return k, nil
}

// PrivateKeyPEM encodes an RSA private key as PKCS #8 PEM.
func PrivateKeyPEM(k *rsa.PrivateKey) (string, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return "", fmt.Errorf("wallet: encode private key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
}

// PublicKeyPEM encodes an RSA public key as PKIX PEM.
func PublicKeyPEM(k *rsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		return "", fmt.Errorf("wallet: encode public key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), nil
}
