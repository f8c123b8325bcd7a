package ui

import (
	"fmt"
	"io/fs"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"tilldesk/assets"
)

// Languages the till ships with, as their translation file names.
var shipped = map[string]string{"zh": "translations/zh-Hans.json", "en": "translations/en.json"}

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
	data, err := fs.ReadFile(assets.Translations, shipped[chosen])
	if err != nil {
		return "", fmt.Errorf("ui: translations for %s: %w", chosen, err)
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
