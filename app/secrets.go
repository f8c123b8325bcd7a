package app

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"tilldesk/core/backup"
)

// Secrets at rest: the wallet's keys and the acquirer's MAC key. Each secret setting
// holds
//
//	sealed:v1:<base64 of a 12-byte nonce and the AES-256-GCM ciphertext>
//
// under a key derived (HKDF-SHA256, info "tilldesk wallet secrets v1") from 32 random
// bytes in the machine-local file <data folder>/wallet-secrets.key (mode 0600, made at
// the first seal; the names keep the wallet's, which sealed first, so sealed values
// from earlier versions still open), with the setting's name as additional data, so a sealed value
// cannot be moved to another setting. The configuration alone does not reveal them;
// the configuration with the data folder of the same machine does, which is the
// protection a till without a hardware key store can give. Deregistration shreds the
// key file and clears the sealed settings (WipeWalletSecrets). Secrets are never
// logged; errors name the setting only.

const (
	sealedPrefix      = "sealed:v1:"
	walletKeyFileName = "wallet-secrets.key"
	walletKeyInfo     = "tilldesk wallet secrets v1"
)

// ErrWalletSecret says a sealed setting cannot be opened here (another machine's
// data folder, a wiped key, a damaged value).
var ErrWalletSecret = errors.New("wallet secret cannot be opened on this machine: seal it again with `tilldesk wallet seal`")

// walletKeyFile is the machine-local key file's path.
func walletKeyFile(p Paths) string { return filepath.Join(p.DataDir, walletKeyFileName) }

// walletAEAD returns the sealing cipher, making the key file when create is set.
func walletAEAD(p Paths, create bool) (cipher.AEAD, error) {
	path := walletKeyFile(p)
	secret, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && create {
		secret = make([]byte, 32)
		_, _ = rand.Read(secret) // never fails (crypto/rand panics instead)
		if err = os.MkdirAll(p.DataDir, 0o700); err == nil {
			err = writeNewFile(path, secret)
		}
		if errors.Is(err, os.ErrExist) { // another process made it first
			secret, err = os.ReadFile(path)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("wallet key file %s: %w", path, err)
	}
	if len(secret) != 32 {
		return nil, fmt.Errorf("wallet key file %s: %d bytes, want 32: %w", path, len(secret), ErrWalletSecret)
	}
	key, err := hkdf.Key(sha256.New, secret, nil, walletKeyInfo, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// writeNewFile creates path exclusively with mode 0600 and syncs it.
func writeNewFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}

// SealSecret seals plaintext for the setting (e.g. "wallet.wechat.api_key") with
// this machine's key, making the key file if there is none.
func SealSecret(p Paths, setting string, plaintext []byte) (string, error) {
	aead, err := walletAEAD(p, true)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	_, _ = rand.Read(nonce)
	sealed := aead.Seal(nonce, nonce, plaintext, []byte(setting))
	return sealedPrefix + base64.StdEncoding.EncodeToString(sealed), nil
}

// OpenSecret opens a value sealed for the setting on this machine.
func OpenSecret(p Paths, setting, sealed string) ([]byte, error) {
	b64, ok := strings.CutPrefix(sealed, sealedPrefix)
	if !ok {
		return nil, fmt.Errorf("%s: not sealed: %w", setting, ErrWalletSecret)
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", setting, ErrWalletSecret)
	}
	aead, err := walletAEAD(p, false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", setting, err)
	}
	if len(raw) < aead.NonceSize() {
		return nil, fmt.Errorf("%s: %w", setting, ErrWalletSecret)
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(setting))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", setting, ErrWalletSecret)
	}
	return plain, nil
}

// WipeWalletSecrets is the deregistration wipe of the wallet's secrets: the machine
// key is shredded (every sealed value becomes unreadable, wherever copies of the
// configuration went) and the sealed settings are cleared from the configuration file.
func WipeWalletSecrets(p Paths) error {
	shredErr := backup.Shred(walletKeyFile(p))
	if shredErr == nil {
		shredErr = os.Remove(walletKeyFile(p))
	}
	if errors.Is(shredErr, os.ErrNotExist) { // never made: nothing was sealed
		shredErr = nil
	}
	if p.Config == "" { // a session with no configuration file (tests)
		return shredErr
	}
	if _, err := os.Stat(p.Config); errors.Is(err, os.ErrNotExist) {
		return shredErr // LoadConfig would create one with demo defaults
	}
	cfg, err := LoadConfig(p.Config)
	if w := &cfg.Wallet; err == nil && (w.Alipay.AppPrivateKey != "" || w.WeChat.APIKey != "" || w.WeChat.ClientKey != "") {
		w.Alipay.AppPrivateKey, w.WeChat.APIKey, w.WeChat.ClientKey = "", "", ""
		// Without credentials a wallet with a gateway cannot be on.
		w.Alipay.Enabled = w.Alipay.Enabled && w.Alipay.Gateway == ""
		w.WeChat.Enabled = w.WeChat.Enabled && w.WeChat.Gateway == ""
		err = writeConfig(p.Config, cfg)
	}
	if err != nil {
		err = fmt.Errorf("clear the wallet secrets from the configuration: %w", err)
	}
	return errors.Join(shredErr, err)
}

// readSecretInput reads a secret typed or piped on stdin, without its final newline.
func readSecretInput(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, 64<<10))
	if err != nil {
		return nil, err
	}
	return []byte(strings.TrimRight(string(b), "\r\n")), nil
}
