package wallet

import (
	"fmt"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Point of initiation method (ID 01).
const (
	StaticQR  = "11" // shown for many payments; the customer types the amount
	DynamicQR = "12" // made for one sale, with its amount
)

// MerchantQR is the content of a merchant-presented QR, by meaning.
type MerchantQR struct {
	Initiation string       // 01: StaticQR, DynamicQR, or "" (not stated: static)
	Accounts   []DataObject // 02-51: merchant account information (UnionPay: 15, or a template in 26-51)
	MCC        string       // 52: merchant category code, 4 digits
	Currency   string       // 53: ISO 4217 numeric, "156" for CNY
	Amount     string       // 54: "23.72"; "" when the customer enters it
	Country    string       // 58: ISO 3166-1 alpha-2, "CN"
	Name       string       // 59: merchant name, up to 25 characters
	City       string       // 60: merchant city, up to 15 characters
	PostalCode string       // 61
	Additional []DataObject // 62: additional data field template entries
	Language   *Language    // 64: merchant information in an alternate language
	Other      []DataObject // anything else (tips 55-57, reserved, unreserved 80-99)
}

// Language is the merchant information language template (ID 64).
type Language struct {
	Preference string // 00: ISO 639 two-letter code, "ZH"
	Name       string // 01: merchant name in that language
	City       string // 02: merchant city in that language (optional)
}

// UnionPayAccount is UnionPay's merchant account information as a primitive object
// (ID 15, assigned to UnionPay by EMVCo); value is what the acquirer issued.
func UnionPayAccount(value string) DataObject { return Object("15", value) }

// primitives pairs the IDs of m's primitive objects with its fields, in ID order.
func (m *MerchantQR) primitives() []struct {
	id    string
	value *string
} {
	return []struct {
		id    string
		value *string
	}{{"01", &m.Initiation}, {"52", &m.MCC}, {"53", &m.Currency}, {"54", &m.Amount}, {"58", &m.Country},
		{"59", &m.Name}, {"60", &m.City}, {"61", &m.PostalCode}}
}

// merchantFrom reads the objects between the format indicator and the CRC.
func merchantFrom(objs []DataObject) MerchantQR {
	var m MerchantQR
	fields := map[string]*string{}
	for _, f := range m.primitives() {
		fields[f.id] = f.value
	}
	for _, o := range objs {
		id, _ := strconv.Atoi(o.ID)
		switch {
		case fields[o.ID] != nil:
			*fields[o.ID] = o.Value
		case id >= 2 && id <= 51:
			m.Accounts = append(m.Accounts, o)
		case o.ID == "62":
			m.Additional = o.Sub
		case o.ID == "64":
			m.Language = languageFrom(o.Sub)
		default:
			m.Other = append(m.Other, o)
		}
	}
	return m
}

// languageFrom reads the language template's entries.
func languageFrom(sub []DataObject) *Language {
	l := &Language{}
	for _, s := range sub {
		switch s.ID {
		case "00":
			l.Preference = s.Value
		case "01":
			l.Name = s.Value
		case "02":
			l.City = s.Value
		}
	}
	return l
}

// check refuses a merchant QR missing a mandatory object or with one malformed.
func (m MerchantQR) check() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrBadQR}, a...)...)
	}
	switch {
	case m.Initiation != "" && m.Initiation != StaticQR && m.Initiation != DynamicQR:
		return bad("point of initiation %q (want 11 or 12)", m.Initiation)
	case len(m.Accounts) == 0:
		return bad("no merchant account information (IDs 02-51)")
	case !digits(m.MCC, 4):
		return bad("merchant category code %q (want 4 digits)", m.MCC)
	case !digits(m.Currency, 3):
		return bad("currency %q (want 3 digits)", m.Currency)
	case !upperLetters(m.Country, 2):
		return bad("country %q (want 2 letters)", m.Country)
	case !charsBetween(m.Name, 1, 25):
		return bad("merchant name of %d characters (want 1 to 25)", utf8.RuneCountInString(m.Name))
	case !charsBetween(m.City, 1, 15):
		return bad("merchant city of %d characters (want 1 to 15)", utf8.RuneCountInString(m.City))
	}
	if m.Amount != "" {
		if fen, err := ParseAmount(m.Amount); err != nil || fen <= 0 {
			return bad("amount %q", m.Amount)
		}
	}
	for _, a := range m.Accounts {
		if id, _ := strconv.Atoi(a.ID); id >= 26 && !slices.ContainsFunc(a.Sub, func(s DataObject) bool { return s.ID == "00" && s.Value != "" }) {
			return bad("merchant account template %s without its globally unique identifier (00)", a.ID)
		}
	}
	if l := m.Language; l != nil && (!charsBetween(l.Preference, 2, 2) || !charsBetween(l.Name, 1, 25) || !charsBetween(l.City, 0, 15)) {
		return bad("language template (want a 2-letter preference, a name of 1 to 25 and a city of up to 15 characters)")
	}
	return nil
}

// Encode checks m and writes it as a payload: objects in ID order, the CRC last.
func (m MerchantQR) Encode() (string, error) {
	if err := m.check(); err != nil {
		return "", err
	}
	objs := slices.Clone(m.Accounts)
	for _, f := range m.primitives() {
		if *f.value != "" {
			objs = append(objs, Object(f.id, *f.value))
		}
	}
	if len(m.Additional) > 0 {
		objs = append(objs, Template("62", m.Additional...))
	}
	if l := m.Language; l != nil {
		sub := []DataObject{Object("00", l.Preference), Object("01", l.Name)}
		if l.City != "" {
			sub = append(sub, Object("02", l.City))
		}
		objs = append(objs, Template("64", sub...))
	}
	objs = append(objs, m.Other...)
	slices.SortStableFunc(objs, func(a, b DataObject) int { return cmpID(a.ID, b.ID) })
	for _, o := range objs {
		if err := checkObject(o); err != nil {
			return "", err
		}
	}
	return AppendCRC(EncodeObjects(append([]DataObject{Object("00", "01")}, objs...))), nil
}

// checkObject refuses an object that cannot be written: an ID that is not two digits
// or one of the framing IDs, or a value over 99 characters (templates: entries too).
func checkObject(o DataObject) error {
	if !digits(o.ID, 2) || o.ID == "00" || o.ID == "63" {
		return fmt.Errorf("%w: object ID %q", ErrBadQR, o.ID)
	}
	if utf8.RuneCountInString(o.Value) > 99 {
		return fmt.Errorf("%w: object %s longer than 99 characters", ErrBadQR, o.ID)
	}
	for _, s := range o.Sub {
		if !digits(s.ID, 2) || utf8.RuneCountInString(s.Value) > 99 {
			return fmt.Errorf("%w: entry %q of template %s", ErrBadQR, s.ID, o.ID)
		}
	}
	return nil
}

func cmpID(a, b string) int {
	x, _ := strconv.Atoi(a)
	y, _ := strconv.Atoi(b)
	return x - y
}

func digits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func upperLetters(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := range len(s) {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func charsBetween(s string, lo, hi int) bool {
	n := utf8.RuneCountInString(s)
	return n >= lo && n <= hi
}
