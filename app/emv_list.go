package app

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/BurntSushi/toml"
)

// tomlList is a list of tables in the config file ([[emv.aid]], or an inline array of
// tables) kept as its canonical TOML text, so that Config, which screens and
// registration compare with ==, stays comparable while it holds lists.
type tomlList[T any] struct{ text string }

// itemsDoc is how a list is encoded as a document of its own.
type itemsDoc[T any] struct {
	Items []T `toml:"item"`
}

// newTOMLList keeps items in canonical form.
func newTOMLList[T any](items []T) tomlList[T] {
	if len(items) == 0 {
		return tomlList[T]{}
	}
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(itemsDoc[T]{Items: items}); err != nil {
		panic(fmt.Sprintf("app: settings of %T do not encode: %v", items, err)) // plain fields: cannot happen
	}
	return tomlList[T]{text: buf.String()}
}

// Items decodes the list.
func (l tomlList[T]) Items() []T {
	var doc itemsDoc[T]
	if _, err := toml.Decode(l.text, &doc); err != nil {
		panic(fmt.Sprintf("app: canonical settings of %T do not decode: %v", doc.Items, err)) // written by newTOMLList
	}
	return doc.Items
}

// Len is the number of items.
func (l tomlList[T]) Len() int { return len(l.Items()) }

// UnmarshalTOML reads the list from the decoded file, refusing keys the items do not
// have (a misspelt setting would otherwise be silently ignored).
func (l *tomlList[T]) UnmarshalTOML(data any) error {
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(map[string]any{"item": data}); err != nil {
		return fmt.Errorf("not a list of tables: %w", err)
	}
	var doc itemsDoc[T]
	md, err := toml.Decode(buf.String(), &doc)
	if err != nil {
		return err
	}
	if extra := md.Undecoded(); len(extra) > 0 {
		names := make([]string, len(extra))
		for i, k := range extra {
			names[i] = k[len(k)-1]
		}
		return fmt.Errorf("unknown settings %s", strings.Join(names, ", "))
	}
	*l = newTOMLList(doc.Items)
	return nil
}

// MarshalTOML writes the list as an array of inline tables, one line per item.
func (l tomlList[T]) MarshalTOML() ([]byte, error) {
	items := l.Items()
	if len(items) == 0 {
		return []byte("[]"), nil
	}
	var out bytes.Buffer
	out.WriteString("[\n")
	for _, item := range items {
		var buf bytes.Buffer
		if err := toml.NewEncoder(&buf).Encode(item); err != nil {
			return nil, err
		}
		fields := strings.Split(strings.TrimSpace(buf.String()), "\n")
		out.WriteString("    {" + strings.Join(fields, ", ") + "},\n")
	}
	out.WriteString("  ]")
	return out.Bytes(), nil
}
