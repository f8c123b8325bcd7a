package sim

import (
	"crypto/rand"
	"fmt"
	"io"

	"tilldesk/core/dukpt"
	"tilldesk/core/pinblock"
	"tilldesk/devices/pinpad/ipp"
)

// padKeys is what the simulated pad holds of one DUKPT scheme: its future keys (never
// the BDK), and how it turns a PIN into packet 73 under the next transaction's PIN key.
type padKeys interface {
	scheme() ipp.KeyScheme
	// Exhausted says whether every transaction counter has been used.
	Exhausted() bool
	// Zero erases every key.
	Zero()
	// encrypt builds the scheme's ISO 9564 block from the PIN and the PAN, encrypts it
	// under the PIN key of the next transaction and returns packet 73 and the KSN in
	// hex. Its errors wrap pinblock's (a PIN or PAN the block cannot hold) or
	// dukpt.ErrExhausted. It erases the clear block and the keys it derived.
	encrypt(pin []byte, pan string) (ipp.Frame, string, error)
}

// tdesPadKeys: TDES DUKPT (ANSI X9.24-1) and ISO 9564 format 0, the vendor's packet 73.
type tdesPadKeys struct{ *dukpt.TDESOriginator }

func (tdesPadKeys) scheme() ipp.KeyScheme { return ipp.TDES }

func (k tdesPadKeys) encrypt(pin []byte, pan string) (ipp.Frame, string, error) {
	clearBlock, err := pinblock.EncodeFormat0(pin, pan)
	defer clear(clearBlock[:])
	if err != nil {
		return ipp.Frame{}, "", err
	}
	ksn, transactionKey, err := k.Next()
	defer clear(transactionKey[:])
	if err != nil {
		return ipp.Frame{}, "", err
	}
	encrypted := dukpt.EncryptPINBlock(transactionKey, clearBlock) // applies the PIN variant itself
	return ipp.PINBlockResponse(ksn, encrypted), ksn.String(), nil
}

// aesPadKeys: AES DUKPT (ANSI X9.24-3) and ISO 9564 format 4 under the PIN encryption
// key of the initial key's own type, in the extended packet 73 (ipp/aes.go).
type aesPadKeys struct {
	*dukpt.AESOriginator
	random io.Reader // the format 4 PIN field's random fill
}

func (aesPadKeys) scheme() ipp.KeyScheme { return ipp.AES }

func (k aesPadKeys) encrypt(pin []byte, pan string) (ipp.Frame, string, error) {
	field, err := pinblock.Format4PINField(pin, k.random)
	defer clear(field[:])
	if err != nil {
		return ipp.Frame{}, "", err
	}
	if _, err := pinblock.Format4PANField(pan); err != nil {
		return ipp.Frame{}, "", err // checked before a transaction counter is spent
	}
	ksn, derivationKey, err := k.Next()
	defer clear(derivationKey)
	if err != nil {
		return ipp.Frame{}, "", err
	}
	pinKey, err := dukpt.AESWorkingKey(derivationKey, ksn, dukpt.UsagePINEncryption, k.KeyType())
	defer clear(pinKey)
	if err != nil {
		return ipp.Frame{}, "", err
	}
	block, err := pinblock.EncipherFormat4(pinKey, field, pan)
	if err != nil {
		return ipp.Frame{}, "", err
	}
	return ipp.AESPINBlockResponse(ksn, block), ksn.String(), nil
}

// loadPadKeys loads the keys cfg injects for its scheme and erases them from cfg.
func loadPadKeys(cfg *PINPadConfig) (padKeys, error) {
	switch cfg.Key {
	case ipp.TDES:
		o, err := dukpt.NewTDESOriginator(cfg.IPEK, cfg.KSN)
		clear(cfg.IPEK[:])
		if err != nil {
			return nil, fmt.Errorf("sim pinpad: load IPEK: %w", err)
		}
		return tdesPadKeys{o}, nil
	case ipp.AES:
		defer clear(cfg.AESInitialKey)
		o, err := dukpt.NewAESOriginator(cfg.AESInitialKey, cfg.AESInitialKeyID)
		if err != nil {
			return nil, fmt.Errorf("sim pinpad: load AES initial key: %w", err)
		}
		random := cfg.Random
		if random == nil {
			random = rand.Reader
		}
		return aesPadKeys{AESOriginator: o, random: random}, nil
	}
	return nil, fmt.Errorf("sim pinpad: unknown key scheme %v", cfg.Key)
}

// PINPadAESTestKeys returns the AES-128 BDK and initial key ID of the ANSI
// X9.24-3:2017 sample data (BDK FEDCBA9876543210F1F1F1F1F1F1F1F1, initial key ID
// 1234567890123456): the issuer side of the tests and the demo's sandbox acquirer
// decrypt AES DUKPT PIN blocks with them. The BDK is a fresh copy each call.
func PINPadAESTestKeys() (bdk []byte, initialKeyID [8]byte) {
	bdk = []byte{0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10, 0xF1, 0xF1, 0xF1, 0xF1, 0xF1, 0xF1, 0xF1, 0xF1}
	initialKeyID = [8]byte{0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x56}
	return bdk, initialKeyID
}

// TestPINPadConfigFor is a pad holding the test keys of the scheme, as a key
// injection facility would load them: for ipp.TDES the IPEK of PINPadTestKeys
// (TestPINPadConfig), for ipp.AES the initial key derived from PINPadAESTestKeys.
func TestPINPadConfigFor(key ipp.KeyScheme) (PINPadConfig, error) {
	if key != ipp.AES {
		cfg := TestPINPadConfig()
		cfg.Key = key
		return cfg, nil
	}
	bdk, initialKeyID := PINPadAESTestKeys()
	defer clear(bdk)
	ik, err := dukpt.DeriveAESInitialKey(bdk, initialKeyID)
	if err != nil {
		return PINPadConfig{}, fmt.Errorf("sim pinpad: AES initial key: %w", err)
	}
	return PINPadConfig{Key: ipp.AES, AESInitialKey: ik, AESInitialKeyID: initialKeyID}, nil
}
