package ui

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// shotsEnv names a folder to save the prepaid screens' captures in (to look at them).
const shotsEnv = "TILLDESK_PREPAID_SHOTS"

// The prepaid dialogs render in both languages: no message key shows untranslated,
// nothing is drawn smaller than it needs, and the text draws (ink in the capture).
func TestPrepaidScreensRenderInBothLanguages(t *testing.T) {
	for _, language := range []string{"zh", "en"} {
		t.Run(language, func(t *testing.T) {
			f := newPrepaidFixture(t)
			if _, err := SetLanguage(language); err != nil {
				t.Fatal(err)
			}
			f.c.language = language
			f.w.SetContent(f.c.Content()) // the cashier screen again, in language
			f.w.Canvas().Focus(f.c.Scan)
			card := f.sellCard(t, 500, "2580")
			f.ring(water, noodles)

			d := f.openTender(t)
			f.scanCard(d, card.Number)
			f.checkRendering(t, language+"-tender", d.popup)
			d.Dismiss()

			s := f.openScreen(t, uiManager, uiManagerPIN)
			f.scanCard(s, card.Number)
			f.checkRendering(t, language+"-screen", s.popup)
			form := s.action(t, "card.action.adjust")
			s.confirm(form) // no amount: the error shows
			f.checkRendering(t, language+"-adjust", form.popup)
			form.close()
			for _, a := range []string{"card.action.reset_pin", "card.action.sell"} {
				form = s.action(t, a)
				f.checkRendering(t, language+"-"+strings.TrimPrefix(a, "card.action."), form.popup)
				form.close()
			}
			s.Dismiss()
		})
	}
}

// checkRendering captures the window with popup open, saves it when shotsEnv is set,
// and checks popup's objects: translated, not squeezed, text drawn.
func (f *prepaidFixture) checkRendering(t *testing.T, name string, popup *widget.PopUp) {
	t.Helper()
	img := saveShot(t, f.w, name)
	if got, need := popup.Content.Size(), popup.Content.MinSize(); got.Width+1 < need.Width || got.Height+1 < need.Height {
		t.Errorf("%s: the dialog is drawn %v, its content needs %v", name, got, need)
	}
	for _, o := range test.LaidOutObjects(popup) {
		if !o.Visible() {
			continue
		}
		text := objectText(o)
		if keyShaped.MatchString(text) {
			t.Errorf("%s: %q shows untranslated", name, text)
		}
		size, need := o.Size(), o.MinSize()
		if text != "" && (size.Width+1 < need.Width || size.Height+1 < need.Height) {
			t.Errorf("%s: %q is drawn %v, needs %v", name, text, size, need)
		}
	}
	if p, _ := ink(img, f.area(popup.Content)); p < 2000 {
		t.Errorf("%s: the dialog draws only %d pixels", name, p)
	}
}

// saveShot captures the window and, with shotsEnv set, saves the capture as name.
func saveShot(t *testing.T, w fyne.Window, name string) image.Image {
	t.Helper()
	img := w.Canvas().Capture()
	savePNG(t, img, name)
	return img
}

// savePNG saves img as name.png in shotsEnv's folder, when it is set.
func savePNG(t *testing.T, img image.Image, name string) {
	t.Helper()
	dir := os.Getenv(shotsEnv)
	if dir == "" {
		return
	}
	out, err := os.Create(filepath.Join(dir, name+".png"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if err := png.Encode(out, img); err != nil {
		t.Fatal(err)
	}
}

// objectText is the text a label, button or entry shows, or "".
func objectText(o fyne.CanvasObject) string {
	switch w := o.(type) {
	case *widget.Label:
		return w.Text
	case *widget.Button:
		return w.Text
	case *KeyEntry:
		return w.PlaceHolder
	case *widget.Select:
		return fmt.Sprint(w.Selected)
	}
	return ""
}
