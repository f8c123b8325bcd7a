package app

import (
	"errors"
	"strings"
	"testing"

	"tilldesk/devices"
	"tilldesk/devices/pinpad/ipp"
)

// [devices.pinpad] key: tdes (or empty) and aes128; anything else is refused before
// the devices start.
func TestPINPadKeySetting(t *testing.T) {
	for _, tt := range []struct {
		key  string
		want ipp.KeyScheme
		ok   bool
	}{
		{"", ipp.TDES, true},
		{PINPadKeyTDES, ipp.TDES, true},
		{PINPadKeyAES128, ipp.AES, true},
		{"aes256", 0, false},
		{"AES128", 0, false},
	} {
		got, err := PINPadConfig{Key: tt.key}.KeyScheme()
		if tt.ok && (err != nil || got != tt.want) || !tt.ok && !errors.Is(err, devices.ErrBadConfig) {
			t.Errorf("key %q: %v, %v", tt.key, got, err)
		}
		cfg := DefaultConfig()
		cfg.Devices.PINPad.Key = tt.key
		if err := CheckConfig(cfg); (err == nil) != tt.ok || !tt.ok && !strings.Contains(err.Error(), "devices.pinpad.key") {
			t.Errorf("CheckConfig with key %q: %v", tt.key, err)
		}
	}
	if DefaultConfig().Devices.PINPad.Key != PINPadKeyTDES {
		t.Errorf("the demo configuration's PIN pad key is %q", DefaultConfig().Devices.PINPad.Key)
	}
}
