package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"tilldesk/assets"
)

// cjkFont is the bundled font with Chinese glyphs; Fyne's own font has none.
var cjkFont = fyne.NewStaticResource("DroidSansFallbackFull.ttf", assets.CJKFont)

// Theme is Tilldesk's look: Fyne's default colours with a till-green primary colour,
// the bundled CJK font for all text, and larger text and controls for touchscreens.
type Theme struct{}

var _ fyne.Theme = Theme{}

// Color returns the default colours with a green primary.
func (Theme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	switch n {
	case theme.ColorNamePrimary:
		return color.NRGBA{R: 0x0b, G: 0x7a, B: 0x5a, A: 0xff}
	case theme.ColorNameSuccess:
		return color.NRGBA{R: 0x1a, G: 0x9e, B: 0x4b, A: 0xff}
	}
	return theme.DefaultTheme().Color(n, v)
}

// Font returns the CJK font for every style but monospace, so Chinese never renders as
// boxes whatever fonts the system has.
func (Theme) Font(s fyne.TextStyle) fyne.Resource {
	if s.Monospace || s.Symbol {
		return theme.DefaultTheme().Font(s)
	}
	return cjkFont
}

// Icon returns the default icons.
func (Theme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

// Size enlarges text and padding for a countertop touchscreen.
func (Theme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNameText:
		return 16
	case theme.SizeNameHeadingText:
		return 26
	case theme.SizeNameSubHeadingText:
		return 20
	case theme.SizeNameInnerPadding:
		return 10
	}
	return theme.DefaultTheme().Size(n)
}
