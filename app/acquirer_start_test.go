package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"tilldesk/app/acquirer"
	"tilldesk/assets"
	"tilldesk/core/iso8583/respcode"
)

// The demo session's wiring: the sandbox on loopback with the MAC on, and a card
// sale through it with a virtual card.
func TestStartCardPaymentsInDemoMode(t *testing.T) {
	dir := t.TempDir()
	s, err := Start(Paths{Config: filepath.Join(dir, "config.toml"), DataDir: filepath.Join(dir, "data")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Log = quietLog()
	kcfg := testKernelConfig(t, s.Config.Terminal.ID, s.Config.Terminal.MerchantID, 0)
	reader := NewVirtualCardReader()
	d := StartCardPayments(s, nil)
	defer d.Close()
	if d.Sandbox() == nil || d.address() != d.Sandbox().Addr() {
		t.Fatalf("demo mode without a sandbox: %q", d.address())
	}
	if _, err := d.Tender(nil).Pay(context.Background(), PayRequest{SaleID: "S1", Amount: 100}); !errors.Is(err, ErrNoCardTerminal) {
		t.Fatalf("pay without a card reader: %v", err)
	}
	pad := newTestPINPad(t)
	d.SetTerminal(&CardTerminal{Kernel: kcfg, Cards: reader, PINPad: pad})
	f := &cardFixture{t: t, reader: reader, pad: pad}
	f.card("mastercard", false)
	deadline := time.Now().Add(5 * time.Second)
	for d.salesGate() != nil && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	ringUp(t, s.Till, water)
	r, err := s.Till.Pay(context.Background(), d.Tender(nil), PayRequest{})
	if err != nil || r == nil {
		t.Fatalf("demo card sale: %v", err)
	}
	if txns := d.Sandbox().Transactions(""); len(txns) != 1 || txns[0].Terminal != s.Config.Terminal.ID {
		t.Fatalf("sandbox %+v", txns)
	}
}

// An unsealed MAC key is refused, as every secret in the configuration is.
func TestAcquirerConfigValidate(t *testing.T) {
	c := DefaultAcquirerConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := c
	bad.MAC, bad.MACKey, bad.TPDU, bad.Header, bad.Host = MACX919, "11111111222222223333333344444444", "7000030000", "60", "nohost"
	err := bad.Validate()
	for _, want := range []string{"acquirer.mac_key", "acquirer.tpdu", "acquirer.header", "acquirer.host"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("validate: %v, want %s named", err, want)
		}
	}
	if strings.Contains(err.Error(), bad.MACKey) {
		t.Error("the error quotes the key")
	}
	if got := c.backoff(1); got != 2*time.Second || c.backoff(20) != 300*time.Second {
		t.Fatalf("backoff %v %v", got, c.backoff(20))
	}
}

func TestAcquirerCommands(t *testing.T) {
	dir := t.TempDir()
	paths := Paths{Config: filepath.Join(dir, "config.toml"), DataDir: dir}
	var out, errOut bytes.Buffer
	if code := AcquirerCommand(paths, []string{"seal-mac-key"}, strings.NewReader("11111111222222223333333344444444\n"), &out, &errOut); code != 0 {
		t.Fatalf("seal: %d %s", code, errOut.String())
	}
	sealed := out.String()[strings.Index(out.String(), `"`)+1 : strings.LastIndex(out.String(), `"`)]
	key, err := OpenSecret(paths, MACKeySetting, sealed)
	if err != nil || string(key) != "11111111222222223333333344444444" {
		t.Fatalf("sealed key opens to %q, %v", key, err)
	}
	out.Reset()
	if code := AcquirerCommand(paths, []string{"seal-mac-key"}, strings.NewReader("not hex"), &out, &errOut); code != 1 || strings.Contains(errOut.String(), "not hex") {
		t.Fatalf("bad key: %d %q", code, errOut.String())
	}
	out.Reset()
	in := strings.NewReader("fault sale late 0.5 2\nfault reversal ignore\nledger\nbalance visa\nbogus\n")
	errOut.Reset()
	if code := AcquirerSimCommand([]string{"--addr", "127.0.0.1:0"}, in, &out, &errOut); code != 0 {
		t.Fatalf("acquirer-sim: %d %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "[acquirer]") || !strings.Contains(out.String(), "629999*********0012") || strings.Contains(out.String(), "6299990000000000012") ||
		!strings.Contains(out.String(), "499999******0015: 1000000 fen") ||
		!strings.Contains(errOut.String(), `unknown command "bogus"`) {
		t.Fatalf("acquirer-sim said:\n%s\n%s", out.String(), errOut.String())
	}
}

// Every message key card payments hand the screens is translated in both languages.
func TestCardMessagesAreTranslated(t *testing.T) {
	keys := acquirer.Keys()
	for _, c := range respcode.Codes() {
		keys = append(keys, c.Key)
	}
	for _, k := range cardErrorKeys {
		keys = append(keys, k)
	}
	for s := CardPresent; s <= CardDeclined; s++ {
		keys = append(keys, s.Key())
	}
	keys = append(keys, "card.err.other", "card.declined_by_card", "dereg.action.card_pending", "dereg.action.card_settle",
		"dereg.pre.card_nothing_pending", "dereg.pre.card_batch_settled")
	for _, r := range []string{SettlementBalanced, SettlementBalancedAfterUpload, SettlementOutOfBalance} {
		keys = append(keys, "card.settlement."+r)
	}
	for _, k := range CardReceiptKeys {
		keys = append(keys, "receipt."+k) // as the screens' receipt labels look them up
	}
	for _, st := range []string{CardReady, CardUnavailable, CardReaderMissing, CardPINPadMissing, CardRecovering, CardUnresolved,
		CardNoHost, CardHostUnreachable, CardReversalsPending} {
		keys = append(keys, CardReadiness{State: st}.Key())
	}
	for _, lang := range []string{"en", "zh-Hans"} {
		msgs := map[string]string{}
		files, _ := fs.Glob(assets.Translations, "translations/*"+lang+".json")
		for _, name := range files {
			raw, err := fs.ReadFile(assets.Translations, name)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]string
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for k, v := range m {
				msgs[k] = v
			}
		}
		for _, k := range slices.Compact(slices.Sorted(slices.Values(keys))) {
			if strings.TrimSpace(msgs[k]) == "" {
				t.Errorf("%s has no message for %q", lang, k)
			}
		}
	}
}
