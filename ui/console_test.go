package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"tilldesk/core/users"
)

func TestDiscountAboveTheLimitNeedsAManager(t *testing.T) {
	f := newConsoleFixture(t)
	if _, err := f.auth.Login(uiCashier, uiCashierPIN); err != nil {
		t.Fatal(err)
	}
	f.scan(noodles) // ¥5.50
	f.key("F4")
	f.answer(t, "10%") // within the cashier's limit: applied at once
	if f.c.Screen != nil || f.c.lines[0].Discount.PercentBP != 1000 {
		t.Fatalf("10%% discount: screen %T, line %+v", f.c.Screen, f.c.lines[0])
	}
	f.key("F4")
	f.answer(t, "50%")
	d, ok := f.c.Screen.(*OverrideDialog)
	if !ok {
		t.Fatalf("a 50%% discount by a cashier opened %T, want the manager's override", f.c.Screen)
	}
	if f.c.lines[0].Discount.PercentBP != 1000 {
		t.Fatal("the discount was applied before the manager approved it")
	}
	d.ManagerID.SetText(uiManager)
	d.PIN.SetText(uiManagerPIN)
	d.Reason.SetValue(string(users.ManagerDiscount))
	test.Tap(d.Approve)
	if f.c.Screen != nil || f.c.lines[0].Discount.PercentBP != 5000 {
		t.Fatalf("after approval: screen %T, line %+v", f.c.Screen, f.c.lines[0])
	}
	if n := f.records(t, "override"); n != 1 {
		t.Errorf("%d override records, want 1", n)
	}
}

func TestNoSaleDrawerIsJournaled(t *testing.T) {
	f := newConsoleFixture(t)
	d := startDemoDevices(t, f.fixture)
	f.c.noSaleDrawer(uiManager)
	f.c.printing.Wait()
	if n := f.records(t, "admin"); n != 1 {
		t.Fatalf("%d admin records, want the no-sale drawer opening", n)
	}
	// The kick is written when the job ends; the simulated printer parses it a moment
	// later, on its own goroutine.
	deadline := time.Now().Add(5 * time.Second)
	for d.Simulators().Printer.DrawerKicks() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if kicks := d.Simulators().Printer.DrawerKicks(); kicks != 1 {
		t.Errorf("drawer kicks %d, want 1 (print status %q)", kicks, f.c.PrintStatus.Text)
	}
}
