package respcode

import (
	"strings"
	"testing"
)

// The codes issue 7 names, with the action the published table's class or measure
// implies (A approve, B retry, C/E decline, D keep the card; "重新签到" sign on).
func TestLookup(t *testing.T) {
	tests := []struct {
		code    string
		action  Action
		reverse bool
	}{
		{"00", Approve, false},
		{"01", Decline, false},
		{"03", Decline, false},
		{"04", Capture, false},
		{"05", Decline, false},
		{"09", Retry, false},
		{"12", Decline, false},
		{"13", Retry, false},
		{"14", Retry, false},
		{"30", Decline, false},
		{"41", Capture, false},
		{"43", Capture, false},
		{"51", Decline, false},
		{"54", Decline, false},
		{"55", Decline, false},
		{"57", Decline, false},
		{"58", Decline, false},
		{"61", Decline, false},
		{"65", Decline, false},
		{"75", Decline, false},
		{"77", SignOn, false},
		{"91", Retry, false},
		{"94", SignOn, false},
		{"96", Decline, false},
		{"98", Decline, true},
		{"A0", SignOn, false},
	}
	for _, tt := range tests {
		c := Lookup(tt.code)
		if c.Code != tt.code || c.Action != tt.action || c.Reverse != tt.reverse || c.Key == UnknownKey {
			t.Errorf("Lookup(%q) = %+v, want action %s reverse %v", tt.code, c, tt.action, tt.reverse)
		}
	}
}

func TestUnknownCodesDecline(t *testing.T) {
	for _, code := range []string{"", "Z9", "000", "ab"} {
		c := Lookup(code)
		if c.Action != Decline || c.Key != UnknownKey || c.Approved() || c.Reverse {
			t.Errorf("Lookup(%q) = %+v", code, c)
		}
	}
}

// Keys are unique, dotted and stable in form, so translations can rely on them.
func TestKeysAreUniqueAndWellFormed(t *testing.T) {
	seen := map[string]string{}
	for _, c := range Codes() {
		if !strings.HasPrefix(c.Key, "resp.") || strings.ContainsAny(c.Key, " -ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
			t.Errorf("code %s: key %q", c.Code, c.Key)
		}
		if other, dup := seen[c.Key]; dup {
			t.Errorf("key %q used by %s and %s", c.Key, other, c.Code)
		}
		seen[c.Key] = c.Code
		if len(c.Code) != 2 || c.Meaning == "" {
			t.Errorf("bad entry %+v", c)
		}
	}
	if !Lookup("00").Approved() || Lookup("05").Approved() {
		t.Error("Approved")
	}
}
