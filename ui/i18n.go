package ui

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"tilldesk/assets"
)

// Languages the till ships with, by the suffix of their message files: each area of
// the till keeps its messages in translations/[area.]<suffix>, merged at start-up.
var shipped = map[string]string{"zh": "zh-Hans.json", "en": "en.json"}

// Messages reads and merges every message file of a language ("zh" or "en"). A key
// defined in two files is an error, so areas cannot silently override each other.
func Messages(language string) (map[string]string, error) {
	suffix, ok := shipped[language]
	if !ok {
		return nil, fmt.Errorf("ui: no translations for %q", language)
	}
	files, err := fs.ReadDir(assets.Translations, "translations")
	if err != nil {
		return nil, fmt.Errorf("ui: translations: %w", err)
	}
	out := map[string]string{}
	for _, f := range files {
		name := f.Name()
		if name != suffix && !strings.HasSuffix(name, "."+suffix) {
			continue
		}
		data, err := fs.ReadFile(assets.Translations, "translations/"+name)
		if err != nil {
			return nil, fmt.Errorf("ui: translations %s: %w", name, err)
		}
		var m map[string]string
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("ui: translations %s: %w", name, err)
		}
		for k, v := range m {
			if _, dup := out[k]; dup {
				return nil, fmt.Errorf("ui: translations %s: key %q defined twice", name, k)
			}
			out[k] = v
		}
	}
	return out, nil
}

// SetLanguage loads the translations and returns the language the screens use, "zh" or
// "en". setting is the config value: "auto" follows the system locale; "zh" or "en"
// overrides it. Fyne picks a translation by the system locale and has no override, so an
// override registers the chosen language's messages under every shipped locale.
func SetLanguage(setting string) (string, error) {
	chosen := setting
	if chosen != "zh" && chosen != "en" {
		chosen = "en"
		if strings.HasPrefix(string(lang.SystemLocale()), "zh") {
			chosen = "zh"
		}
	}
	msgs, err := Messages(chosen)
	if err != nil {
		return "", err
	}
	data, err := json.Marshal(msgs)
	if err != nil {
		return "", err
	}
	for _, locale := range []fyne.Locale{"en", "zh-Hans", "zh-CN", "zh"} {
		if err := lang.AddTranslationsForLocale(data, locale); err != nil {
			return "", fmt.Errorf("ui: load translations for %s: %w", chosen, err)
		}
	}
	return chosen, nil
}

// tr translates a message key; labels that have no translation show the key, which
// the translations test catches.
func tr(key string) string { return lang.L(key) }

// trf translates a key whose message has {{.Name}} placeholders.
func trf(key string, data map[string]any) string { return lang.L(key, data) }
