package app

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tilldesk/core/journal"
)

func TestWalletSecretsSealOpen(t *testing.T) {
	p := Paths{Config: filepath.Join(t.TempDir(), "config.toml"), DataDir: t.TempDir()}
	sealed, err := SealSecret(p, "wallet.wechat.api_key", []byte("192006250b4c09247ec02edce69f6a2d"))
	if err != nil || !strings.HasPrefix(sealed, sealedPrefix) || strings.Contains(sealed, "192006250b4c") {
		t.Fatalf("sealed %q, %v", sealed, err)
	}
	if fi, err := os.Stat(walletKeyFile(p)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v", fi, err)
	}
	plain, err := OpenSecret(p, "wallet.wechat.api_key", sealed)
	if err != nil || string(plain) != "192006250b4c09247ec02edce69f6a2d" {
		t.Fatalf("opened %q, %v", plain, err)
	}
	again, _ := SealSecret(p, "wallet.wechat.api_key", plain)
	if again == sealed {
		t.Fatal("two seals of one secret are equal (nonce reused)")
	}
	for name, try := range map[string]func() ([]byte, error){
		"another setting": func() ([]byte, error) { return OpenSecret(p, "wallet.alipay.app_private_key", sealed) },
		"clear text": func() ([]byte, error) {
			return OpenSecret(p, "wallet.wechat.api_key", "192006250b4c09247ec02edce69f6a2d")
		},
		"damaged": func() ([]byte, error) {
			return OpenSecret(p, "wallet.wechat.api_key", sealed[:len(sealed)-4]+"AAA=")
		},
		"other machine": func() ([]byte, error) {
			return OpenSecret(Paths{DataDir: t.TempDir()}, "wallet.wechat.api_key", sealed)
		},
	} {
		if _, err := try(); err == nil {
			t.Errorf("%s: opened", name)
		}
	}
}

func TestWalletConfigRefusesClearSecrets(t *testing.T) {
	cfg := DefaultConfig()
	if err := cfg.Validate(); err != nil {
		t.Fatalf("demo defaults: %v", err)
	}
	cfg.Wallet.WeChat.APIKey = "192006250b4c09247ec02edce69f6a2d"
	err := cfg.Validate()
	if err == nil || !strings.Contains(err.Error(), "wallet.wechat.api_key is not sealed") || strings.Contains(err.Error(), "192006250b4c") {
		t.Fatalf("clear API key: %v", err)
	}
	cfg = DefaultConfig()
	cfg.Terminal.Demo = false
	if err := cfg.Validate(); err != nil {
		t.Fatalf("real till with no wallet set up: %v", err)
	}
	cfg.Wallet.Alipay.Gateway, cfg.Wallet.WeChat.Gateway = "https://openapi.alipay.com/gateway.do", "https://api.mch.weixin.qq.com"
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "wallet.alipay") || !strings.Contains(err.Error(), "wallet.wechat") {
		t.Fatalf("gateways without credentials: %v", err)
	}
}

// The deregistration wipe shreds the machine key and clears the sealed settings: the
// sealed values, wherever copies went, cannot be opened any more.
func TestWipeWalletSecrets(t *testing.T) {
	dir := t.TempDir()
	p := Paths{Config: filepath.Join(dir, "config.toml"), DataDir: dir}
	cfg := DefaultConfig()
	cfg.Terminal.Demo = false
	cfg.Wallet.Alipay.Enabled = false
	cfg.Wallet.WeChat.Gateway = "https://api.mch.weixin.qq.com"
	sealed, err := SealSecret(p, "wallet.wechat.api_key", []byte("secret-api-key-0123456789abcdef0"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Wallet.WeChat.APIKey = sealed
	if err := writeConfig(p.Config, cfg); err != nil {
		t.Fatal(err)
	}
	key, _ := os.ReadFile(walletKeyFile(p))
	if err := WipeWalletSecrets(p); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(walletKeyFile(p)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("key file still there: %v", err)
	}
	if _, err := OpenSecret(p, "wallet.wechat.api_key", sealed); err == nil {
		t.Fatal("sealed secret still opens")
	}
	after, err := LoadConfig(p.Config)
	if err != nil || after.Wallet.WeChat.APIKey != "" || after.Wallet.WeChat.Enabled {
		t.Fatalf("config after the wipe: %+v, %v", after.Wallet.WeChat, err)
	}
	raw, _ := os.ReadFile(p.Config)
	if bytes.Contains(raw, []byte(sealed[len(sealedPrefix):])) || len(key) != 32 {
		t.Fatal("the sealed value is still in the config file")
	}
}

// Outside demo mode a wallet with no gateway is not taken, and the till still starts.
func TestWalletsNotSetUpOutsideDemo(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Terminal.Demo = false
	till, _ := openTestTillWith(t, cfg, filepath.Join(t.TempDir(), "journal.db"), journal.Options{}, quietLog())
	w, err := NewWallets(till, cfg.Wallet, Paths{DataDir: t.TempDir()}, WalletOptions{})
	if err != nil || len(w.Enabled()) != 0 || w.Sandbox() != nil {
		t.Fatalf("wallets %v, sandbox %v, %v", w.Enabled(), w.Sandbox(), err)
	}
	if _, err := w.CodeTender("134567890123456789", nil); !errors.Is(err, ErrWalletOff) {
		t.Fatalf("code at a till without wallets: %v", err)
	}
	if err := till.SalesAllowed(); err != nil {
		t.Fatal(err)
	}
}
