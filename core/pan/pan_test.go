package pan

import "testing"

// Published Luhn examples: ISO/IEC 7812-1 Annex B (79927398713) and the card numbers
// payment schemes publish for testing.
func TestValid(t *testing.T) {
	for _, tc := range []struct {
		pan  string
		want bool
	}{
		{"4111111111111111", true},
		{"5555555555554444", true},
		{"6212345678901265", true},
		{"6212345678901264", false},
		{"79927398713", false}, // Luhn-valid but too short for a PAN
		{"4111111111111111111", false},
		{"411111111111111x", false},
		{"", false},
		{"41111111111111111111", false},
	} {
		if got := Valid(tc.pan); got != tc.want {
			t.Errorf("Valid(%q) = %v, want %v", Mask(tc.pan), got, tc.want)
		}
	}
}

func TestCheckDigit(t *testing.T) {
	for _, tc := range []struct {
		partial string
		want    byte
	}{
		{"7992739871", '3'},
		{"411111111111111", '1'},
		{"555555555555444", '4'},
		{"0", '0'},
	} {
		if got, err := CheckDigit(tc.partial); err != nil || got != tc.want {
			t.Errorf("CheckDigit(%q) = %c, %v; want %c", tc.partial, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "12a4"} {
		if _, err := CheckDigit(bad); err == nil {
			t.Errorf("CheckDigit(%q) accepted", bad)
		}
	}
}

func TestMask(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"6212345678901234567", "621234*********4567"},
		{"4111111111111111", "411111******1111"},
		{"411111111111", "************"},
		{"", ""},
	} {
		if got := Mask(tc.in); got != tc.want {
			t.Errorf("Mask(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
