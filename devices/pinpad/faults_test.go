package pinpad

// Failures over the real pseudo-terminal: timeouts, cancels, a pulled cable, and the
// simulator's injected line faults (bad LRC, silence, NAK storms, garbage).

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"tilldesk/devices"
	"tilldesk/devices/sim"
)

// forBauds runs test at both speeds the tests cover.
func forBauds(t *testing.T, test func(t *testing.T, baud int)) {
	for _, baud := range []int{9600, 115200} {
		t.Run(fmt.Sprint(baud), func(t *testing.T) { test(t, baud) })
	}
}

// checkPadServes fails unless the pad takes a full PIN transaction, as it must after
// any failure the driver recovers from.
func checkPadServes(t *testing.T, r *rig) {
	t.Helper()
	ctx := timeout(t, 10*time.Second)
	out := r.requestPIN(t, ctx, testPAN, 1_00)
	r.customerTypes(t, "7777")
	res := result(t, out)
	if res.err != nil {
		t.Fatalf("pad does not serve the next customer: %v", res.err)
	}
	if got := issuerPIN(t, res.pin, testPAN); got != "7777" {
		t.Fatalf("next customer's PIN decrypts to %q", got)
	}
}

func TestNoKeyPressedTimesOut(t *testing.T) {
	forBauds(t, func(t *testing.T, baud int) {
		r := newRig(t, rigOptions{baud: baud, pad: Config{EntryTimeout: 300 * time.Millisecond}})
		start := time.Now()
		out := r.requestPIN(t, timeout(t, 10*time.Second), testPAN, 9_99)
		res := result(t, out)
		if !errors.Is(res.err, devices.ErrTimeout) {
			t.Fatalf("RequestPIN error %v, want ErrTimeout", res.err)
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("timeout took %v", took)
		}
		// The driver told the pad to stop (packet 72): it is idle, not waiting.
		if err := r.sim.WaitForIdle(timeout(t, 2*time.Second)); err != nil {
			t.Fatal(err)
		}
		checkPadServes(t, r)
	})
}

func TestPadEntryTimerEndsEntry(t *testing.T) {
	r := newRig(t, rigOptions{simCfg: func(c *sim.PINPadConfig) { c.EntryTimeout = 200 * time.Millisecond }})
	out := r.requestPIN(t, timeout(t, 10*time.Second), testPAN, 9_99)
	if res := result(t, out); !errors.Is(res.err, ErrCancelled) {
		t.Fatalf("RequestPIN error %v, want ErrCancelled (the pad's EOT)", res.err)
	}
	if got := r.sim.Display(); got != "TIMED OUT\n" {
		t.Errorf("display %q", got)
	}
}

func TestTillCancelsEntry(t *testing.T) {
	forBauds(t, func(t *testing.T, baud int) {
		r := newRig(t, rigOptions{baud: baud})
		ctx := timeout(t, 10*time.Second)
		out := r.requestPIN(t, ctx, testPAN, 3_00)
		if err := r.sim.PressDigits("12"); err != nil {
			t.Fatal(err)
		}
		if err := r.pad.Cancel(ctx); err != nil {
			t.Fatal(err)
		}
		if res := result(t, out); !errors.Is(res.err, ErrAborted) {
			t.Fatalf("RequestPIN error %v, want ErrAborted", res.err)
		}
		if r.sim.InEntry() {
			t.Error("pad still taking the PIN after Cancel")
		}
		// Cancel on an idle pad is answered with ACK.
		if err := r.pad.Cancel(ctx); err != nil {
			t.Fatalf("Cancel on an idle pad: %v", err)
		}
		checkPadServes(t, r)
	})
}

func TestContextEndsEntry(t *testing.T) {
	r := newRig(t, rigOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := r.requestPIN(t, ctx, testPAN, 3_00)
	cancel()
	if res := result(t, out); !errors.Is(res.err, context.Canceled) {
		t.Fatalf("RequestPIN error %v, want context.Canceled", res.err)
	}
	if err := r.sim.WaitForIdle(timeout(t, 2*time.Second)); err != nil {
		t.Fatal(err)
	}
	checkPadServes(t, r)
}

func TestPadUnpluggedMidEntry(t *testing.T) {
	forBauds(t, func(t *testing.T, baud int) {
		r := newRig(t, rigOptions{baud: baud})
		out := r.requestPIN(t, timeout(t, 10*time.Second), testPAN, 3_00)
		if err := r.sim.PressDigits("12"); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := r.sim.Unplug(); err != nil {
			t.Fatal(err)
		}
		res := result(t, out)
		if !errors.Is(res.err, devices.ErrUnplugged) {
			t.Fatalf("RequestPIN error %v, want ErrUnplugged", res.err)
		}
		if took := time.Since(start); took > time.Second {
			t.Errorf("unplug noticed after %v", took)
		}
		if err := r.pad.Show(timeout(t, 5*time.Second), "HELLO"); !errors.Is(err, devices.ErrUnplugged) {
			t.Errorf("Show on an unplugged pad: %v", err)
		}
	})
}

func TestCorruptFramesAreRetried(t *testing.T) {
	forBauds(t, func(t *testing.T, baud int) {
		r := newRig(t, rigOptions{baud: baud})
		ctx := timeout(t, 10*time.Second)
		out := r.requestPIN(t, ctx, testPAN, 3_00)
		r.sim.CorruptNext(2) // packet 73 arrives with a bad LRC twice, then intact
		r.customerTypes(t, "24680")
		res := result(t, out)
		if res.err != nil {
			t.Fatal(res.err)
		}
		if got := issuerPIN(t, res.pin, testPAN); got != "24680" {
			t.Errorf("issuer recovers %q", got)
		}
		if r.sim.PINBlocks() != 1 {
			t.Errorf("pad encrypted %d blocks: a resend must not use a new key", r.sim.PINBlocks())
		}

		r.sim.CorruptNext(1) // the answer to packet 25
		if engine, err := r.pad.CheckDUKPT(ctx); err != nil || engine != 0 {
			t.Fatalf("CheckDUKPT after a corrupt answer = %d, %v", engine, err)
		}
	})
}

func TestThreeCorruptFramesGiveUp(t *testing.T) {
	r := newRig(t, rigOptions{})
	ctx := timeout(t, 10*time.Second)
	out := r.requestPIN(t, ctx, testPAN, 3_00)
	r.sim.CorruptNext(3)
	r.customerTypes(t, "1357")
	if res := result(t, out); !errors.Is(res.err, devices.ErrProtocol) {
		t.Fatalf("RequestPIN error %v, want ErrProtocol", res.err)
	}
	checkPadServes(t, r)
}

func TestNAKStorm(t *testing.T) {
	forBauds(t, func(t *testing.T, baud int) {
		r := newRig(t, rigOptions{baud: baud})
		ctx := timeout(t, 10*time.Second)
		r.sim.NAKNext(2) // the third transmission gets through
		if err := r.pad.Show(ctx, "HELLO"); err != nil {
			t.Fatalf("Show after two NAKs: %v", err)
		}
		r.sim.NAKNext(3) // the pad NAKs three times and ends with EOT
		if err := r.pad.Show(ctx, "HELLO"); !errors.Is(err, devices.ErrProtocol) {
			t.Fatalf("Show after three NAKs: %v, want ErrProtocol", err)
		}
		checkPadServes(t, r)
	})
}

func TestSilentPad(t *testing.T) {
	r := newRig(t, rigOptions{pad: Config{AckTimeout: 200 * time.Millisecond}})
	ctx := timeout(t, 10*time.Second)
	r.sim.IgnoreNext(1) // the first Z2 is lost: the driver sends it again
	if err := r.pad.Show(ctx, "HELLO"); err != nil {
		t.Fatalf("Show after one lost frame: %v", err)
	}
	r.sim.IgnoreNext(5)
	start := time.Now()
	err := r.pad.Show(ctx, "HELLO")
	if !errors.Is(err, devices.ErrTimeout) {
		t.Fatalf("Show to a silent pad: %v, want ErrTimeout", err)
	}
	if took := time.Since(start); took < 600*time.Millisecond || took > 2*time.Second {
		t.Errorf("gave up after %v, want three ACK timeouts (600 ms)", took)
	}
	r.sim.IgnoreNext(0)
	checkPadServes(t, r)
}

func TestGarbageIsRefused(t *testing.T) {
	forBauds(t, func(t *testing.T, baud int) {
		r := newRig(t, rigOptions{baud: baud})
		ctx := timeout(t, 10*time.Second)
		r.sim.SendGarbage([]byte("\x00\xffAT+OK\r\n")) // instead of the ACK to Z2
		if err := r.pad.Show(ctx, "HELLO"); !errors.Is(err, devices.ErrProtocol) {
			t.Fatalf("Show answered with garbage: %v, want ErrProtocol", err)
		}
		if err := r.pad.Show(ctx, "HELLO"); err != nil {
			t.Fatalf("Show after garbage: %v", err)
		}

		out := r.requestPIN(t, ctx, testPAN, 3_00)
		r.sim.SendGarbage([]byte("NO CARRIER\r\n")) // instead of packet 73
		r.customerTypes(t, "1357")
		if res := result(t, out); !errors.Is(res.err, devices.ErrProtocol) {
			t.Fatalf("RequestPIN answered with garbage: %v, want ErrProtocol", res.err)
		}
		checkPadServes(t, r)
	})
}
