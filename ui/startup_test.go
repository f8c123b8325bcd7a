package ui

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"tilldesk/core/journal"
)

func TestStartupErrorSaysWhatIsWrong(t *testing.T) {
	test.NewTempApp(t)
	for _, language := range []string{"en", "zh"} {
		if _, err := SetLanguage(language); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			err error
			key string
		}{
			{fmt.Errorf("journal: open /x/journal.db: %w", journal.ErrLocked), "startup.locked"},
			{fmt.Errorf("journal: open: %w", journal.ErrCorrupt), "startup.corrupt"},
			{fmt.Errorf("journal: %w", journal.ErrNewerSchema), "startup.newer"},
			{fmt.Errorf("journal: %w", journal.ErrTerminal), "startup.terminal"},
			{errors.New("config: terminal.id"), "startup.other"},
		} {
			quit := false
			w := test.NewWindow(StartupError(tc.err, func() { quit = true }))
			var texts []string
			var button *widget.Button
			for _, o := range test.LaidOutObjects(w.Content()) {
				switch v := o.(type) {
				case *widget.Label:
					texts = append(texts, v.Text)
				case *widget.Button:
					button = v
				}
			}
			all := strings.Join(texts, "\n")
			if !strings.Contains(all, tr(tc.key)) || !strings.Contains(all, tc.err.Error()) {
				t.Errorf("%s %v: screen says\n%s", language, tc.err, all)
			}
			test.Tap(button)
			if !quit {
				t.Errorf("%s: Quit did nothing", language)
			}
			w.Close()
		}
	}
}
