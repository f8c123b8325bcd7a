package testca

import (
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "regenerate keys.txt from DefaultSeed")

// The embedded keys are exactly the hierarchy DefaultSeed generates (run with -update
// to write them again). Generating takes seconds, so -short skips it.
func TestDefaultIsDefaultSeed(t *testing.T) {
	if testing.Short() && !*update {
		t.Skip("generates every RSA key of the hierarchy")
	}
	gen, err := Generate(DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("keys.txt", []byte(gen.KeysText()), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Skip("keys.txt written; run again without -update")
	}
	def, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if gen.KeysText() != def.KeysText() {
		t.Fatal("keys.txt does not hold the keys of DefaultSeed; run go test -run TestDefaultIsDefaultSeed -update")
	}
}
