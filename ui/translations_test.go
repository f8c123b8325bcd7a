package ui

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"tilldesk/core/sale"
)

var (
	trCall      = regexp.MustCompile(`\btrf?\(\s*"([^"]+)"`)
	placeholder = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)
	// keyShaped matches string literals that look like message keys ("err.journal").
	keyShaped = regexp.MustCompile(`^[a-z]+(\.[a-z_]+)+$`)
)

// translations reads the shipped messages, merged per language: "en.json" or
// "zh-Hans.json" -> key -> message.
func translations(t *testing.T) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	for language, name := range map[string]string{"en": "en.json", "zh": "zh-Hans.json"} {
		m, err := Messages(language)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = m
	}
	return out
}

// uiSources returns the ui package's non-test Go files.
func uiSources(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	files = slices.DeleteFunc(files, func(f string) bool { return strings.HasSuffix(f, "_test.go") })
	if len(files) < 5 {
		t.Fatalf("found only %v: is the test running in ui/?", files)
	}
	return files
}

// usedKeys finds the message keys the screens use: tr("...") and trf("...") calls, and
// key-shaped literals handed to tr indirectly (function key labels, the error table).
func usedKeys(t *testing.T) map[string]string {
	t.Helper()
	keys := map[string]string{} // key -> where
	fset := token.NewFileSet()
	for _, name := range uiSources(t) {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range trCall.FindAllSubmatch(src, -1) {
			if k := string(m[1]); !strings.HasSuffix(k, ".") { // tr("receipt." + key): see receiptKeys
				keys[k] = name
			}
		}
		file, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil && keyShaped.MatchString(s) && !strings.HasSuffix(s, ".json") {
					keys[s] = fset.Position(lit.Pos()).String()
				}
			}
			return true
		})
	}
	if len(keys) < 50 {
		t.Fatalf("found only %d keys in the sources; the scan is broken: %v", len(keys), slices.Sorted(maps.Keys(keys)))
	}
	return keys
}

// receiptKeys are the keys core/receipt asks for, as the cashier screen prefixes them.
func receiptKeys(t *testing.T) []string {
	t.Helper()
	keys := []string{"receipt.no", "time", "merchant", "terminal", "cashier", "discount", "items", "subtotal", "total", "tax", "change"}
	for _, m := range []sale.Method{sale.Cash, sale.Card, sale.Alipay, sale.WeChat, sale.Prepaid} {
		keys = append(keys, "tender."+string(m))
	}
	// And whatever receipt.Build asks for by a literal key, should it ask for more.
	src, err := os.ReadFile(filepath.Join("..", "core", "receipt", "receipt.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`\btr\("([^"]+)"\)`).FindAllSubmatch(src, -1) {
		if k := string(m[1]); !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = "receipt." + k // receiptLabel's prefix
	}
	return out
}

func TestTranslationsCoverEveryKey(t *testing.T) {
	msgs := translations(t)
	want := usedKeys(t)
	for _, k := range receiptKeys(t) {
		want[k] = "core/receipt"
	}
	for _, file := range []string{"en.json", "zh-Hans.json"} {
		for _, k := range slices.Sorted(maps.Keys(want)) {
			if strings.TrimSpace(msgs[file][k]) == "" {
				t.Errorf("%s has no message for %q (used at %s)", file, k, want[k])
			}
		}
	}
}

func TestTranslationsMatch(t *testing.T) {
	msgs := translations(t)
	en, zh := msgs["en.json"], msgs["zh-Hans.json"]
	for _, k := range slices.Sorted(maps.Keys(en)) {
		if _, ok := zh[k]; !ok {
			t.Errorf("zh-Hans.json lacks %q", k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(zh)) {
		if _, ok := en[k]; !ok {
			t.Errorf("en.json lacks %q", k)
		}
	}
	// Keys whose Chinese text may have no Han character (none so far).
	noHan := map[string]bool{}
	for k, v := range zh {
		if !noHan[k] && !strings.ContainsFunc(v, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
			t.Errorf("zh-Hans.json %q = %q has no Chinese", k, v)
		}
		if en[k] != "" && !strings.ContainsFunc(en[k], unicode.IsLetter) {
			t.Errorf("en.json %q = %q has no words", k, en[k])
		}
		if p, q := placeholders(v), placeholders(en[k]); !slices.Equal(p, q) {
			t.Errorf("%q: zh placeholders %v, en %v", k, p, q)
		}
	}
}

func placeholders(s string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Every {{.Name}} in a message is filled by the trf call that uses it, and tr is never
// used for a message with placeholders (it would show them raw).
func TestTranslationPlaceholdersAreFilled(t *testing.T) {
	en := translations(t)["en.json"]
	fset := token.NewFileSet()
	seen := 0
	for _, name := range uiSources(t) {
		file, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			fn, ok := call.Fun.(*ast.Ident)
			if !ok || (fn.Name != "tr" && fn.Name != "trf") || len(call.Args) == 0 {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok {
				return true // a computed key: covered by the key tests
			}
			key, _ := strconv.Unquote(lit.Value)
			where := fset.Position(call.Pos()).String()
			need := placeholders(en[key])
			if fn.Name == "tr" {
				if len(need) > 0 {
					t.Errorf("%s: tr(%q) but the message needs %v: use trf", where, key, need)
				}
				return true
			}
			seen++
			var given []string
			if len(call.Args) == 2 {
				if cl, ok := call.Args[1].(*ast.CompositeLit); ok {
					for _, e := range cl.Elts {
						if kv, ok := e.(*ast.KeyValueExpr); ok {
							if k, ok := kv.Key.(*ast.BasicLit); ok {
								s, _ := strconv.Unquote(k.Value)
								given = append(given, s)
							}
						}
					}
				}
			}
			slices.Sort(given)
			if !slices.Equal(need, given) {
				t.Errorf("%s: trf(%q) fills %v, the message needs %v", where, key, given, need)
			}
			return true
		})
	}
	if seen < 5 {
		t.Fatalf("found only %d trf calls; the scan is broken", seen)
	}
}

// SetLanguage overrides the system locale both ways, and switching back works.
func TestSetLanguage(t *testing.T) {
	msgs := translations(t)
	for _, tc := range []struct{ setting, want, file string }{
		{"zh", "zh", "zh-Hans.json"},
		{"en", "en", "en.json"},
		{"zh", "zh", "zh-Hans.json"},
	} {
		got, err := SetLanguage(tc.setting)
		if err != nil || got != tc.want {
			t.Fatalf("SetLanguage(%q) = %q, %v", tc.setting, got, err)
		}
		for _, k := range []string{"msg.ready", "err.journal", "receipt.receipt.no", "totals.total"} {
			if v := tr(k); v != msgs[tc.file][k] {
				t.Errorf("after SetLanguage(%q): tr(%q) = %q, want %q", tc.setting, k, v, msgs[tc.file][k])
			}
		}
		if v := trf("status.held", map[string]any{"Count": 3}); !strings.Contains(v, "3") || strings.Contains(v, "{{") {
			t.Errorf("after SetLanguage(%q): trf(status.held) = %q", tc.setting, v)
		}
	}
	for _, setting := range []string{"auto", ""} {
		if got, err := SetLanguage(setting); err != nil || (got != "zh" && got != "en") {
			t.Errorf("SetLanguage(%q) = %q, %v", setting, got, err)
		}
	}
}
