package posmsg

import (
	"bytes"
	"errors"
	"fmt"

	"tilldesk/core/iso8583"
)

// Errors from builders and parsers, wrapped with the message type and field.
var (
	// ErrMissing: a required field is empty (building) or absent (parsing).
	ErrMissing = errors.New("required field missing")
	// ErrValue: a value is out of range or malformed for its field.
	ErrValue = errors.New("bad field value")
	// ErrKind: the message is not of the type being parsed (MTI, processing code or
	// transaction type code differ).
	ErrKind = errors.New("wrong kind of message")
)

// value is one struct member bound to a message field, convertible both ways. An
// encode returning nil means "empty": the field is left out.
type value interface {
	encode() ([]byte, error)
	decode(field []byte) error
}

// binding ties a field number to a value.
type binding struct {
	field    int
	value    value
	optional bool
}

// required and optional make bindings.
func required(field int, v value) binding { return binding{field: field, value: v} }
func optional(field int, v value) binding { return binding{field: field, value: v, optional: true} }

// build makes a message of type mti from bindings.
func build(mti string, bindings []binding) (iso8583.Message, error) {
	m := iso8583.NewMessage(mti)
	for _, b := range bindings {
		data, err := b.value.encode()
		if err != nil {
			return iso8583.Message{}, fmt.Errorf("posmsg: %s DE%d: %w", mti, b.field, err)
		}
		if data == nil {
			if !b.optional {
				return iso8583.Message{}, fmt.Errorf("posmsg: %s DE%d: %w", mti, b.field, ErrMissing)
			}
			continue
		}
		m.SetBytes(b.field, data)
	}
	return m, nil
}

// parse fills bindings from a message of type mti.
func parse(m iso8583.Message, mti string, bindings []binding) error {
	if m.MTI != mti {
		return fmt.Errorf("posmsg: %w: MTI %q, want %s", ErrKind, m.MTI, mti)
	}
	for _, b := range bindings {
		data, ok := m.Fields[b.field]
		if !ok {
			if !b.optional {
				return fmt.Errorf("posmsg: %s DE%d: %w", mti, b.field, ErrMissing)
			}
			continue
		}
		if err := b.value.decode(data); err != nil {
			return fmt.Errorf("posmsg: %s DE%d: %w", mti, b.field, err)
		}
	}
	return nil
}

// parseAs reads a message of type mti into a new T.
func parseAs[T any, P interface {
	*T
	bindings() []binding
}](m iso8583.Message, mti string) (T, error) {
	var v T
	err := parse(m, mti, P(&v).bindings())
	return v, err
}

// text binds a string; "" is empty.
type text struct{ p *string }

func (t text) encode() ([]byte, error) {
	if *t.p == "" {
		return nil, nil
	}
	return []byte(*t.p), nil
}

func (t text) decode(b []byte) error { *t.p = string(b); return nil }

// raw binds bytes; an empty slice is empty.
type raw struct{ p *[]byte }

func (r raw) encode() ([]byte, error) {
	if len(*r.p) == 0 {
		return nil, nil
	}
	return bytes.Clone(*r.p), nil
}

func (r raw) decode(b []byte) error { *r.p = bytes.Clone(b); return nil }

// constant is a field whose value the message type fixes (processing code,
// condition code): always sent, and checked when parsing.
type constant string

func (c constant) encode() ([]byte, error) { return []byte(c), nil }

func (c constant) decode(b []byte) error {
	if string(b) != string(c) {
		return fmt.Errorf("%w: %q, want %q", ErrKind, b, string(c))
	}
	return nil
}
