package scanner

import (
	"testing"
	"time"
)

const ms = time.Millisecond

// keys is typed input: the first rune arrives first after the previous event (0:
// like the others), each other rune gaps[i] after the one before (gaps cycles when
// shorter than the text), then Enter arrives enter after the last key.
type keys struct {
	text  string
	first time.Duration
	gaps  []time.Duration
	enter time.Duration // < 0: no Enter at the end of this run
}

// play feeds runs of keys to w starting at t0 and returns the result of the last
// Enter.
func play(w *Wedge, t0 time.Time, runs ...keys) (scan string, isScan bool) {
	at := t0
	for _, run := range runs {
		for i, r := range []rune(run.text) {
			gap := run.gaps[i%len(run.gaps)]
			if i == 0 && run.first > 0 {
				gap = run.first
			}
			at = at.Add(gap)
			w.Key(r, at)
		}
		if run.enter >= 0 {
			at = at.Add(run.enter)
			scan, isScan = w.Enter(at)
		}
	}
	return scan, isScan
}

func TestWedge(t *testing.T) {
	scanner := []time.Duration{8 * ms}
	jittery := []time.Duration{5 * ms, 12 * ms, 7 * ms, 15 * ms, 9 * ms}
	human := []time.Duration{180 * ms, 95 * ms, 240 * ms, 130 * ms, 300 * ms, 80 * ms}
	for _, tc := range []struct {
		name      string
		w         Wedge
		runs      []keys
		want      string
		wantScan  bool
		wantStart int
	}{
		{"scanner 8 ms a key", Wedge{}, []keys{{"4006381333931", 0, scanner, 8 * ms}}, "4006381333931", true, 0},
		{"scanner 15 ms a key", Wedge{}, []keys{{"9780201379624", 0, []time.Duration{15 * ms}, 15 * ms}}, "9780201379624", true, 0},
		{"scanner with jitter", Wedge{}, []keys{{"96385074", 0, jittery, 6 * ms}}, "96385074", true, 0},
		{"gap of exactly MaxGap", Wedge{}, []keys{{"12345678", 0, []time.Duration{35 * ms}, 35 * ms}}, "12345678", true, 0},
		{"human typing a code", Wedge{}, []keys{{"4006381333931", 0, human, 200 * ms}}, "", false, 0},
		{"fast typist, 60 ms", Wedge{}, []keys{{"12345", 0, []time.Duration{60 * ms}, 60 * ms}}, "", false, 0},
		{"human quantity then scan", Wedge{}, []keys{
			{"3*", 0, human, -1},
			{"4006381333931", 450 * ms, []time.Duration{9 * ms, 11 * ms, 6 * ms}, 10 * ms},
		}, "4006381333931", true, 2},
		{"scan without Enter, a person presses Enter", Wedge{}, []keys{{"40063813", 0, scanner, 250 * ms}}, "", false, 0},
		{"burst shorter than MinLen", Wedge{}, []keys{{"123", 0, scanner, 8 * ms}}, "", false, 0},
		{"burst of exactly MinLen", Wedge{}, []keys{{"1234", 0, scanner, 8 * ms}}, "1234", true, 0},
		{"custom MinLen 8", Wedge{MinLen: 8}, []keys{{"1234567", 0, scanner, 8 * ms}}, "", false, 0},
		{"custom MaxGap 60 ms, slow scanner", Wedge{MaxGap: 60 * ms}, []keys{{"12345678", 0, []time.Duration{50 * ms}, 50 * ms}}, "12345678", true, 0},
		{"one slow gap splits the burst", Wedge{}, []keys{
			{"12345", 0, scanner, -1},
			{"6789", 40 * ms, scanner, 8 * ms},
		}, "6789", true, 5},
		{"key rollover while typing is not a scan", Wedge{}, []keys{
			{"th", 200 * ms, []time.Duration{20 * ms}, -1},
			{"e ", 150 * ms, []time.Duration{25 * ms}, 180 * ms},
		}, "", false, 0},
		{"Enter alone", Wedge{}, []keys{{"", 0, scanner, 8 * ms}}, "", false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := tc.w
			scan, isScan := play(&w, time.Unix(1_700_000_000, 0), tc.runs...)
			if scan != tc.want || isScan != tc.wantScan {
				t.Fatalf("Enter = %q, %v; want %q, %v", scan, isScan, tc.want, tc.wantScan)
			}
			start, runes := w.Burst()
			if !isScan {
				if runes != nil {
					t.Errorf("Burst after a non-scan = %d, %q", start, string(runes))
				}
				return
			}
			if start != tc.wantStart || string(runes) != tc.want {
				t.Errorf("Burst = %d, %q; want %d, %q", start, string(runes), tc.wantStart, tc.want)
			}
		})
	}
}

func TestWedgeSequence(t *testing.T) {
	var w Wedge
	t0 := time.Unix(1_700_000_000, 0)
	fast := []time.Duration{7 * ms}
	if _, ok := play(&w, t0, keys{"4006381333931", 0, fast, 7 * ms}); !ok {
		t.Fatal("first scan not recognised")
	}
	// The next line starts fresh: a human typing after a scan is not a scan, and the
	// first scan's burst is forgotten.
	if _, ok := play(&w, t0.Add(time.Second), keys{"12", 0, []time.Duration{150 * ms}, 150 * ms}); ok {
		t.Fatal("human typing after a scan taken for a scan")
	}
	if _, runes := w.Burst(); runes != nil {
		t.Fatalf("Burst after human Enter = %q", string(runes))
	}
	// Focus moves mid-burst: Reset forgets the keys.
	w.Key('1', t0.Add(2*time.Second))
	w.Key('2', t0.Add(2*time.Second+7*ms))
	w.Reset()
	if scan, ok := play(&w, t0.Add(2*time.Second+14*ms), keys{"34", 0, fast, 7 * ms}); ok {
		t.Fatalf("keys before Reset joined a scan: %q", scan)
	}
	// A clock stepping back breaks a burst instead of joining one.
	at := t0.Add(3 * time.Second)
	w.Key('9', at)
	w.Key('9', at.Add(-time.Second))
	if _, ok := play(&w, at.Add(-time.Second), keys{"99", 0, fast, 7 * ms}); ok {
		t.Fatal("burst across a clock step back")
	}
	// Start counts the keys of the current line only.
	play(&w, t0.Add(4*time.Second), keys{"2*", 0, []time.Duration{200 * ms}, -1}, keys{"96385074", 500 * ms, fast, 8 * ms})
	if start, runes := w.Burst(); start != 2 || string(runes) != "96385074" {
		t.Fatalf("Burst = %d, %q; want 2, 96385074", start, string(runes))
	}
}

func TestWedgeLongLineWithoutEnter(t *testing.T) {
	var w Wedge
	at := time.Unix(1_700_000_000, 0)
	for i := 0; i < 3*wedgeMaxLine; i++ {
		at = at.Add(200 * ms)
		w.Key('x', at)
	}
	if len(w.line) > wedgeMaxLine {
		t.Fatalf("line grew to %d keys", len(w.line))
	}
	if _, ok := play(&w, at, keys{"12345678", 300 * ms, []time.Duration{8 * ms}, 8 * ms}); !ok {
		t.Fatal("scan after a long line not recognised")
	}
}
