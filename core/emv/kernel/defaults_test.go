package kernel

import "testing"

// ChinaTerminal with the terminal's identity is a valid configuration, and each call
// is a fresh copy.
func TestChinaTerminal(t *testing.T) {
	cfg := ChinaTerminal()
	cfg.IFDSerialNumber, cfg.TerminalID, cfg.MerchantID = "TILL0001", "DEMO0001", "898310000000001"
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(cfg.AIDs) != 5 || cfg.AIDs[0].Flow != FlowVisa || cfg.AIDs[4].Flow != FlowMastercard {
		t.Fatalf("AIDs %+v", cfg.AIDs)
	}
	cfg.AIDs[0].AID[7] = 0x09
	if again := ChinaTerminal(); again.AIDs[0].AID[7] != 0x01 || AIDUnionPayDebit[7] != 0x01 {
		t.Fatal("ChinaTerminal shares its AIDs with its callers")
	}
}
