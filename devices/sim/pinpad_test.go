package sim

// The simulated PIN pad on its own, driven with raw bytes over its pseudo-terminal:
// what it answers must be the IPP protocol to the byte.

import (
	"bytes"
	"context"
	"testing"
	"time"

	"tilldesk/core/dukpt"
	"tilldesk/core/pinblock"
	"tilldesk/devices/pinpad/ipp"
	"tilldesk/devices/serialport"
)

// rawTill is a till side that speaks bytes, not packets.
type rawTill struct {
	t    *testing.T
	port *serialport.Port
	pad  *PINPad
}

func newRawTill(t *testing.T, cfg PINPadConfig) *rawTill {
	t.Helper()
	if cfg.AckTimeout == 0 {
		cfg.AckTimeout = 100 * time.Millisecond
	}
	pad, err := StartPINPad(cfg)
	if err != nil {
		t.Fatal(err)
	}
	port, err := serialport.Open(serialport.Config{Path: pad.Path(), Baud: 115200})
	if err != nil {
		pad.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		port.Close()
		pad.Close()
	})
	return &rawTill{t: t, port: port, pad: pad}
}

func (r *rawTill) send(b []byte) {
	r.t.Helper()
	if _, err := r.port.Write(b); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rawTill) frame(f ipp.Frame) []byte {
	r.t.Helper()
	b, err := ipp.Encode(f)
	if err != nil {
		r.t.Fatal(err)
	}
	return b
}

// expect reads exactly len(want) bytes within a second and compares them.
func (r *rawTill) expect(want []byte) {
	r.t.Helper()
	got := make([]byte, 0, len(want))
	deadline := time.Now().Add(time.Second)
	buf := make([]byte, 64)
	for len(got) < len(want) && time.Now().Before(deadline) {
		r.port.SetReadTimeout(50 * time.Millisecond)
		n, err := r.port.Read(buf[:min(len(buf), len(want)-len(got))])
		if err != nil {
			r.t.Fatal(err)
		}
		got = append(got, buf[:n]...)
	}
	if !bytes.Equal(got, want) {
		r.t.Fatalf("pad sent % x, want % x", got, want)
	}
}

// expectSilence fails if the pad sends anything within d.
func (r *rawTill) expectSilence(d time.Duration) {
	r.t.Helper()
	r.port.SetReadTimeout(d)
	buf := make([]byte, 64)
	if n, _ := r.port.Read(buf); n > 0 {
		r.t.Fatalf("pad sent % x, want nothing", buf[:n])
	}
}

// startEntry sends a Z60 for the scheme and waits until the pad takes the PIN.
func (r *rawTill) startEntry(key ipp.KeyScheme) {
	r.t.Helper()
	req, err := ipp.PINRequest(rawTestPAN, key)
	if err != nil {
		r.t.Fatal(err)
	}
	r.send(r.frame(req))
	r.expect([]byte{ipp.ACK})
	if err := r.pad.WaitForEntry(waitCtx(r.t)); err != nil {
		r.t.Fatal(err)
	}
}

const rawTestPAN = "4761739001010010"

func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestPINPadAcksAndNaks(t *testing.T) {
	r := newRawTill(t, TestPINPadConfig())
	show, _ := ipp.DisplayRequest("PAY HERE")
	good := r.frame(show)
	r.send(good)
	r.expect([]byte{ipp.ACK})
	if got := r.pad.Display(); got != "PAY HERE\n" {
		t.Errorf("display %q", got)
	}
	bad := bytes.Clone(good)
	bad[len(bad)-1] ^= 1
	r.send(bad)
	r.expect([]byte{ipp.NAK})
	r.send(bad)
	r.expect([]byte{ipp.NAK})
	r.send(bad)
	r.expect([]byte{ipp.NAK, ipp.EOT}) // "EOT after 3 NAKs"
	r.send([]byte("AT\r\n"))           // noise between frames is ignored
	r.send(r.frame(ipp.Frame{Framing: ipp.Text, Body: []byte("99")}))
	r.expect([]byte{ipp.ACK}) // a packet the pad does not know: ACKed, ignored
	r.send(r.frame(ipp.CancelRequest()))
	r.expect([]byte{ipp.ACK}) // 72 when idle
}

func TestPINPadEncryptsAndResends(t *testing.T) {
	r := newRawTill(t, TestPINPadConfig())
	r.startEntry(ipp.TDES)
	if err := r.pad.PressDigits("4315"); err != nil {
		t.Fatal(err)
	}
	if err := r.pad.PressEnter(); err != nil {
		t.Fatal(err)
	}
	// Build the expected packet 73 the issuer's way round: the pad's first DUKPT
	// transaction key from the BDK, the format 0 block of PIN and PAN, encrypted.
	bdk, initial := PINPadTestKeys()
	ksn := initial.WithCounter(1)
	key, err := dukpt.TransactionKey(dukpt.DeriveIPEK(bdk, ksn), ksn)
	if err != nil {
		t.Fatal(err)
	}
	clearBlock, err := pinblock.EncodeFormat0([]byte("4315"), rawTestPAN)
	if err != nil {
		t.Fatal(err)
	}
	want := r.frame(ipp.PINBlockResponse(ksn, dukpt.EncryptPINBlock(key, clearBlock)))
	r.expect(want)
	// No ACK: the pad sends the same frame twice more, then EOT.
	r.expect(want)
	r.expect(want)
	r.expect([]byte{ipp.EOT})
	if n := r.pad.PINBlocks(); n != 1 {
		t.Errorf("pad encrypted %d blocks, want 1 (resends reuse the block)", n)
	}
	if err := r.pad.WaitForIdle(waitCtx(t)); err != nil {
		t.Fatal(err)
	}
}

func TestPINPadCancelDuringEntry(t *testing.T) {
	r := newRawTill(t, TestPINPadConfig())
	r.startEntry(ipp.TDES)
	r.pad.PressDigits("12")
	r.send(r.frame(ipp.CancelRequest()))
	r.expect([]byte{ipp.EOT}) // 72 during entry: EOT, no ACK
	if r.pad.InEntry() {
		t.Error("pad still taking the PIN")
	}
	r.pad.PressEnter() // ignored: entry is over
	r.expectSilence(100 * time.Millisecond)
}

func TestPINPadEngineCheck(t *testing.T) {
	r := newRawTill(t, TestPINPadConfig())
	r.send(r.frame(ipp.EngineCheckRequest()))
	answer, _ := ipp.EngineCheckResponse('0')
	r.expect(append([]byte{ipp.ACK}, r.frame(answer)...))
	r.send([]byte{ipp.ACK})
	r.expect([]byte{ipp.EOT}) // "EOT terminates session"
}

func TestPINPadFaults(t *testing.T) {
	r := newRawTill(t, TestPINPadConfig())
	show, _ := ipp.DisplayRequest("HI")
	frame := r.frame(show)
	r.pad.IgnoreNext(1)
	r.send(frame)
	r.expectSilence(100 * time.Millisecond)
	r.pad.NAKNext(1)
	r.send(frame)
	r.expect([]byte{ipp.NAK})
	r.pad.SendGarbage([]byte("JUNK"))
	r.send(frame)
	r.expect([]byte("JUNK"))
	r.pad.CorruptNext(1)
	r.send(r.frame(ipp.EngineCheckRequest()))
	answer, _ := ipp.EngineCheckResponse('0')
	corrupt := r.frame(answer)
	corrupt[len(corrupt)-1] ^= 0xFF
	r.expect(append([]byte{ipp.ACK}, corrupt...))
	r.send([]byte{ipp.NAK})
	r.expect(r.frame(answer))
	r.send([]byte{ipp.ACK})
	r.expect([]byte{ipp.EOT})
}

func TestPINPadUnplug(t *testing.T) {
	r := newRawTill(t, TestPINPadConfig())
	if err := r.pad.Unplug(); err != nil {
		t.Fatal(err)
	}
	r.port.SetReadTimeout(time.Second)
	if _, err := r.port.Read(make([]byte, 8)); err == nil {
		t.Fatal("read after unplug succeeded")
	}
	if err := r.pad.PressEnter(); err == nil {
		t.Fatal("keypad works after unplug")
	}
}
