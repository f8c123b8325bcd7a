package app

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tilldesk/core/emv/kernel"
	"tilldesk/devices/cardtest"
	"tilldesk/devices/sim/emvcard"
	"tilldesk/devices/sim/emvcard/testca"
)

// The demo default: kernel.ChinaTerminal with the terminal's identity and the test CA's
// keys.
func TestEMVConfigDefault(t *testing.T) {
	cfg := DefaultConfig()
	k, err := cfg.EMVKernelConfig()
	if err != nil {
		t.Fatal(err)
	}
	want := kernel.ChinaTerminal()
	if len(k.AIDs) != len(want.AIDs) || k.AIDs[2].Flow != kernel.FlowVisa || fmt.Sprint(k.AIDs) != fmt.Sprint(want.AIDs) {
		t.Fatalf("AIDs %+v", k.AIDs)
	}
	if fmt.Sprintf("%X", k.AIDs[1].AID) != "A000000333010102" || k.Capabilities != want.Capabilities || k.TerminalType != 0x22 {
		t.Fatalf("kernel config %+v", k)
	}
	if k.TerminalID != cfg.Terminal.ID || k.IFDSerialNumber != cfg.Terminal.ID || k.MerchantID != cfg.Terminal.MerchantID || k.MerchantName != cfg.Store.NameEN {
		t.Fatalf("identity %q %q %q %q", k.TerminalID, k.IFDSerialNumber, k.MerchantID, k.MerchantName)
	}
	h, _ := testca.Default()
	if len(k.CAPKs) != len(h.CAPKs()) {
		t.Fatalf("%d CAPKs, the test CA has %d", len(k.CAPKs), len(h.CAPKs()))
	}
}

// capkSetting is a test CA key as a config file lists it.
func capkSetting(k testca.CAPK) string {
	return fmt.Sprintf("[[emv.capk]]\nrid = %q\nindex = \"%02X\"\nexponent = %q\nmodulus = %q\nchecksum = %q\nexpiry = %q\n",
		strings.ToUpper(hex.EncodeToString(k.RID[:])), k.Index, hex.EncodeToString(k.Exponent), hex.EncodeToString(k.Modulus),
		hex.EncodeToString(k.Checksum[:]), hex.EncodeToString(k.Expiry[:]))
}

// A live terminal's [emv]: its own applications and CA keys in hexadecimal, no test
// keys.
func TestEMVConfigFromFile(t *testing.T) {
	h, _ := testca.Default()
	file := `[terminal]
id = "SH000123"
merchant_id = "898310058120001"
demo = false

[emv]
merchant_category_code = "5812"
acquirer_id = "48331000"
merchant_name = "NOODLE BAR SHANGHAI"
test_capks = false

[[emv.aid]]
aid = "A000000333010101"
label = "UnionPay Debit"
version = "0030"
tac_default = "D84000A800"
tac_denial = "0010000000"
tac_online = "D84004F800"
floor_limit_fen = 0
contactless = "qvsdc"
contactless_limit_fen = 500000
contactless_cvm_limit_fen = 100000
ttq = "36004000"
` + capkSetting(h.CAPKs()[0])
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	k, err := cfg.EMVKernelConfig()
	if err != nil {
		t.Fatal(err)
	}
	if len(k.AIDs) != 1 || k.AIDs[0].ContactlessTransactionLimit != 500000 || k.MerchantCategoryCode != [2]byte{0x58, 0x12} {
		t.Fatalf("AIDs %+v, MCC %X", k.AIDs, k.MerchantCategoryCode)
	}
	if len(k.CAPKs) != 1 || k.CAPKs[0].Index != h.CAPKs()[0].Index || k.CAPKs[0].Expiry != [2]byte{0x12, 0x49} {
		t.Fatalf("CAPKs %d", len(k.CAPKs))
	}
	if k.AcquirerID != [6]byte{0x00, 0x00, 0x48, 0x33, 0x10, 0x00} || k.MerchantName != "NOODLE BAR SHANGHAI" || k.TerminalID != "SH000123" {
		t.Fatalf("acquirer %X merchant %q terminal %q", k.AcquirerID, k.MerchantName, k.TerminalID)
	}
}

// Every mistake is reported with its setting's name; a key that does not match its
// checksum, or the test CA's keys on a live terminal, are refused.
func TestEMVConfigErrors(t *testing.T) {
	h, _ := testca.Default()
	good := h.CAPKs()[1]
	badSum := good
	badSum.Checksum[0] ^= 1
	capk := func(k testca.CAPK) EMVCAPK {
		return EMVCAPK{RID: hex.EncodeToString(k.RID[:]), Index: fmt.Sprintf("%02X", k.Index), Exponent: hex.EncodeToString(k.Exponent),
			Modulus: hex.EncodeToString(k.Modulus), Checksum: hex.EncodeToString(k.Checksum[:])}
	}
	for _, tc := range []struct {
		name string
		demo bool
		edit func(*EMVConfig)
		want []string
	}{
		{"capabilities not hex", true, func(c *EMVConfig) { c.Capabilities = "E0F8CX" }, []string{"emv.capabilities"}},
		{"capabilities too short", true, func(c *EMVConfig) { c.Capabilities = "E0F8" }, []string{"emv.capabilities", "6 hex digits"}},
		{"bad TAC and kernel name", true, func(c *EMVConfig) {
			apps := c.Applications()
			apps[3].TACOnline, apps[4].Contactless = "DC4004F8", "paypass"
			c.SetApplications(apps)
		},
			[]string{"emv.aid[4].tac_online", "emv.aid[5].contactless"}},
		{"negative limit", true, func(c *EMVConfig) {
			apps := c.Applications()
			apps[0].ContactlessCVMLimitFen = -1
			c.SetApplications(apps)
		}, []string{"emv.aid[1].contactless_cvm_limit_fen"}},
		{"short AID", true, func(c *EMVConfig) {
			apps := c.Applications()
			apps[0].AID = "A000"
			c.SetApplications(apps)
		}, []string{"AID 1"}},
		{"checksum mismatch", true, func(c *EMVConfig) { c.TestCAPKs = false; c.SetKeys([]EMVCAPK{capk(badSum)}) },
			[]string{"emv.capk[1]", "checksum"}},
		{"key listed twice", true, func(c *EMVConfig) { c.SetKeys([]EMVCAPK{capk(good)}) }, []string{"listed twice"}},
		{"test keys on a live terminal", false, func(*EMVConfig) {}, []string{"emv.test_capks", "demo mode only"}},
		{"no keys at all", false, func(c *EMVConfig) { c.TestCAPKs = false }, []string{"no CA public keys"}},
		{"acquirer ID", true, func(c *EMVConfig) { c.AcquirerID = "48331000A" }, []string{"emv.acquirer_id"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultEMVConfig()
			tc.edit(&c)
			err := c.Validate(tc.demo)
			for _, w := range tc.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Fatalf("error %v does not mention %q", err, w)
				}
			}
		})
	}
	live := DefaultEMVConfig()
	live.TestCAPKs = false
	live.SetKeys([]EMVCAPK{capk(good)})
	if err := live.Validate(false); err != nil {
		t.Fatalf("a live terminal with a checked key: %v", err)
	}
}

// The demo configuration takes real transactions: a UnionPay card inserted (online
// PIN, DDA, ARQC verified by the issuer) and a phone tapped (CDCVM, no PIN).
func TestEMVDemoConfigTransactions(t *testing.T) {
	k, err := DefaultConfig().EMVKernelConfig()
	if err != nil {
		t.Fatal(err)
	}
	till := cardtest.NewTill(t)
	for _, tc := range []struct {
		profile string
		iface   emvcard.Interface
		amount  int64
		cvm     kernel.CVM
	}{{"unionpay", emvcard.Contact, 88_00, kernel.CVMOnlinePIN}, {"wallet", emvcard.Contactless, 1888_00, kernel.CVMCDCVM}} {
		app, p := cardtest.NewCard(t, tc.profile, tc.iface)
		till.PINPad.Types(p.Applications[0].PIN)
		res, err := till.Kernel(t, k, nil).Run(context.Background(), cardtest.Insert(app), kernel.Request{Amount: tc.amount, Interface: kernel.Interface(tc.iface)})
		if err != nil || res.Outcome != kernel.ApprovedOnline || res.CVM != tc.cvm || res.TVR.Has(kernel.TVRDDAFailed) {
			t.Fatalf("%s: %v %s", tc.profile, err, res)
		}
	}
}

// A misspelt setting inside [[emv.aid]] is an error, not a silently ignored line; the
// list also reads as an array of inline tables, the form the till writes.
func TestEMVConfigListForms(t *testing.T) {
	dir := t.TempDir()
	for name, tc := range map[string]struct{ file, wantErr string }{
		"misspelt": {"[[emv.aid]]\naid = \"A0000000031010\"\ntac_onlne = \"DC4004F800\"\n", "tac_onlne"},
		"inline": {"[emv]\naid = [\n  {aid = \"A0000000031010\", label = \"VISA\", version = \"0096\", tac_default = \"DC4000A800\", " +
			"tac_denial = \"0010000000\", tac_online = \"DC4004F800\", contactless = \"none\"},\n]\n", ""},
	} {
		path := filepath.Join(dir, name+".toml")
		if err := os.WriteFile(path, []byte(tc.file), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := LoadConfig(path)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("%s: %v", name, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		k, err := cfg.EMVKernelConfig()
		if err != nil || len(k.AIDs) != 1 || k.AIDs[0].Flow != kernel.FlowContact || cfg.EMV.AIDs.Len() != 1 {
			t.Fatalf("%s: %v, %+v", name, err, k)
		}
	}
}
