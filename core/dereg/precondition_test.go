package dereg

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestRegistry(t *testing.T) {
	var r Registry
	if len(r.Check()) != 0 {
		t.Fatal("empty registry has results")
	}
	open := true
	r.Register(NoOpenSale(func() bool { return open }))
	r.Register(Func("shift_closed", "close the shift", func() error { return errors.New("shift 12 is open") }))
	r.Register(Func("panics", "call support", func() error { panic("boom") }))
	res := r.Check()
	if len(res) != 3 || res[0].Name != "no_open_sale" || !errors.Is(res[0].Err, ErrOpenSale) || res[1].Action != "close the shift" ||
		res[2].OK() || !strings.Contains(res[2].Err.Error(), "boom") || len(Failing(res)) != 3 {
		t.Fatalf("results %+v", res)
	}
	open = false
	r.Register(Func("shift_closed", "close the shift", func() error { return nil })) // replaces
	r.Register(Func("panics", "", func() error { return nil }))
	res = r.Check()
	if len(res) != 3 || len(Failing(res)) != 0 {
		t.Fatalf("after fixing: %+v", res)
	}
	raw, _ := json.Marshal(Result{Name: "x", Action: "do", Err: errors.New("why")})
	if string(raw) != `{"name":"x","action":"do","error":"why"}` {
		t.Fatalf("audit JSON %s", raw)
	}
}

func TestNoHeldSales(t *testing.T) {
	j := openJournal(t, filepath.Join(t.TempDir(), "journal.db"))
	defer j.Close()
	p := NoHeldSales(j.Held)
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	if err := j.PutHeld("S1", json.RawMessage(`{"id":"S1"}`)); err != nil {
		t.Fatal(err)
	}
	if err := p.Check(); !errors.Is(err, ErrHeldSales) || p.Name() != "no_held_sales" || p.Action() == "" {
		t.Fatalf("with a held sale: %v", err)
	}
	failing := NoHeldSales(func() (map[string]json.RawMessage, error) { return nil, errors.New("disk") })
	if err := failing.Check(); err == nil || !strings.Contains(err.Error(), "disk") {
		t.Fatalf("unreadable: %v", err)
	}
}
