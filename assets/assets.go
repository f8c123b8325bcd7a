// Package assets embeds the files the till ships with: the demo catalog, translations,
// the CJK font and the icon.
package assets

import (
	"embed"
	_ "embed"
)

// Translations holds zh-Hans and en message files for fyne.io/fyne/v2/lang.
//
//go:embed translations
var Translations embed.FS

// DemoCatalog is the built-in catalog of Chinese supermarket items (CSV, catalog format).
//
//go:embed catalog/demo.csv
var DemoCatalog []byte

// CJKFont is Droid Sans Fallback (Apache-2.0), a single-face TTF with Chinese glyphs.
//
//go:embed fonts/DroidSansFallbackFull.ttf
var CJKFont []byte

// Icon is the application icon (PNG).
//
//go:embed icons/tilldesk.png
var Icon []byte
