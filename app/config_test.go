package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name    string
		file    string // "" means no file: demo defaults are written
		wantErr string
		check   func(Config) bool
	}{
		{"first run writes defaults", "", "", func(c Config) bool { return c == DefaultConfig() }},
		{"partial file keeps other defaults", "[ui]\nlanguage = \"zh\"\n", "", func(c Config) bool {
			return c.UI.Language == "zh" && c.Terminal.ID == "DEMO0001" && c.Receipt.Width == 32
		}},
		{"bad terminal id", "[terminal]\nid = \"T1\"\n", "terminal.id", nil},
		{"bad language", "[ui]\nlanguage = \"fr\"\n", "ui.language", nil},
		{"bad width", "[receipt]\nwidth = 200\n", "receipt.width", nil},
		{"not TOML", "[terminal\nid=", "config:", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_"), "config.toml")
			if tc.file != "" {
				os.MkdirAll(filepath.Dir(path), 0o700)
				os.WriteFile(path, []byte(tc.file), 0o600)
			}
			cfg, err := LoadConfig(path)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !tc.check(cfg) {
				t.Fatalf("cfg = %+v, err = %v", cfg, err)
			}
			again, err := LoadConfig(path) // the written file reads back the same
			if err != nil || again != cfg {
				t.Fatalf("reload = %+v, %v", again, err)
			}
		})
	}
}
