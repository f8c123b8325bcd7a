package mac

import (
	"crypto/subtle"
	"errors"
	"fmt"

	"tilldesk/core/iso8583"
)

// MAC fields: DE64 when the message has only a primary bitmap, DE128 when it has a
// secondary one. Either is the last field, so the MAC covers every packed byte
// before it: MTI, bitmaps and the other fields (for UnionPay, "MTI through DE63").
const (
	FieldPrimary   = 64
	FieldSecondary = 128
)

// Errors from Sign and Verify, wrapped with details; test with errors.Is.
var (
	// ErrNoMAC: the message carries no MAC field, or the spec cannot carry one.
	ErrNoMAC = errors.New("mac: message has no MAC field")
	// ErrMismatch: the MAC field does not match the MAC computed over the message.
	ErrMismatch = errors.New("mac: MAC does not match")
)

// Field is the MAC field of a message with these fields: DE128 if any field above 64
// is present (the message has a secondary bitmap), else DE64.
func Field(m iso8583.Message) int {
	for n := range m.Fields {
		if n > 64 {
			return FieldSecondary
		}
	}
	return FieldPrimary
}

// Sign packs m with spec and fills its MAC field (see Field; a MAC in the other
// field is dropped) with c's MAC over the packed bytes before it. It updates m and
// returns the packed message.
func Sign(spec *iso8583.Spec, m *iso8583.Message, c Computer) ([]byte, error) {
	m.Delete(FieldPrimary)
	m.Delete(FieldSecondary)
	field := Field(*m)
	if err := checkMACField(spec, field); err != nil {
		return nil, err
	}
	m.SetBytes(field, make([]byte, Size))
	packed, err := spec.Pack(*m)
	if err != nil {
		return nil, fmt.Errorf("mac: %w", err)
	}
	body := len(packed) - Size
	sum := c.Compute(packed[:body])
	copy(packed[body:], sum[:])
	m.SetBytes(field, sum[:])
	return packed, nil
}

// Verify unpacks a packed message with spec and checks, in constant time, that its
// MAC field (DE64, or DE128 with a secondary bitmap) holds c's MAC over the bytes
// before it. It returns the message only when the MAC matches.
func Verify(spec *iso8583.Spec, packed []byte, c Computer) (iso8583.Message, error) {
	m, err := spec.Unpack(packed)
	if err != nil {
		return iso8583.Message{}, fmt.Errorf("mac: %w", err)
	}
	field := Field(m)
	if !m.Has(field) {
		return iso8583.Message{}, fmt.Errorf("%w: DE%d absent", ErrNoMAC, field)
	}
	if err := checkMACField(spec, field); err != nil {
		return iso8583.Message{}, err
	}
	sum := c.Compute(packed[:len(packed)-Size])
	if subtle.ConstantTimeCompare(sum[:], m.Bytes(field)) != 1 {
		return iso8583.Message{}, fmt.Errorf("%w in DE%d", ErrMismatch, field)
	}
	return m, nil
}

// checkMACField makes sure spec defines field as the 8 raw bytes of a MAC, so that
// the MAC is the last Size bytes of the packed message.
func checkMACField(spec *iso8583.Spec, field int) error {
	f, ok := spec.Field(field)
	if !ok || f.Type != iso8583.Binary || f.Length != iso8583.Fixed || f.Max != Size {
		return fmt.Errorf("%w: the %s spec does not define DE%d as b64", ErrNoMAC, spec.Name(), field)
	}
	return nil
}
