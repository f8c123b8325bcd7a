package pinpad

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"tilldesk/core/money"
	"tilldesk/devices"
	"tilldesk/devices/pinpad/ipp"
)

// enterPINPrompt is line 2 of the display during PIN entry.
const enterPINPrompt = "ENTER PIN"

// Show puts up to two lines of text on the pad (packet Z2, clearing the display
// first). Each line is printable ASCII of at most 16 characters; other text gives
// an error wrapping ErrDisplayText.
func (p *Pad) Show(ctx context.Context, lines ...string) error {
	text, err := displayText(lines...)
	if err != nil {
		return fmt.Errorf("pinpad: show: %w", err)
	}
	frame, err := ipp.DisplayRequest(text)
	if err != nil {
		return fmt.Errorf("pinpad: show: %w: %w", ErrDisplayText, err)
	}
	return p.job(ctx, "show", func() error { return p.link.send(ctx, frame) })
}

// ShowAmount shows the amount to pay, e.g. "AMOUNT CNY 12.34".
func (p *Pad) ShowAmount(ctx context.Context, amount money.Amount) error {
	return p.Show(ctx, amountLine(p.cfg.Currency, amount))
}

// RequestPIN shows the amount and asks the customer for the PIN of the card with
// this PAN (packets Z2 and Z60), and returns the PIN block the pad encrypted under
// DUKPT of Config.Key's scheme with its KSN (packet 73). It returns an error
// wrapping:
//   - ErrCancelled when the customer cancels at the pad,
//   - ErrNoPIN when the customer presses ENTER without a PIN,
//   - ErrAborted or the context's error when the till cancels (the pad is then
//     told to stop with packet 72),
//   - devices.ErrTimeout when no PIN comes within EntryTimeout (likewise),
//   - ErrRefused when the pad refuses the request (no key, key used up, a pad that
//     does not hold a key of the scheme asked for),
//   - ErrInvalidPAN for a PAN that is not 8 to 19 digits,
//   - devices.ErrUnplugged, devices.ErrProtocol and the like when the line fails.
func (p *Pad) RequestPIN(ctx context.Context, pan string, amount money.Amount) (EncryptedPIN, error) {
	if !p.cfg.Key.Valid() {
		return EncryptedPIN{}, fmt.Errorf("pinpad: request PIN: %w: unknown key scheme %v", devices.ErrBadConfig, p.cfg.Key)
	}
	request, err := ipp.PINRequest(pan, p.cfg.Key)
	if err != nil {
		return EncryptedPIN{}, fmt.Errorf("pinpad: request PIN: %w: %d digits", ErrInvalidPAN, len(pan))
	}
	prompt, err := displayText(amountLine(p.cfg.Currency, amount), enterPINPrompt)
	if err != nil {
		return EncryptedPIN{}, fmt.Errorf("pinpad: request PIN: %w", err)
	}
	display, err := ipp.DisplayRequest(prompt)
	if err != nil {
		return EncryptedPIN{}, fmt.Errorf("pinpad: request PIN: %w: %w", ErrDisplayText, err)
	}
	entry, release := p.abortable(ctx)
	defer release()
	var pin EncryptedPIN
	err = p.job(entry, "request PIN", func() error {
		p.log.Info("PIN requested", "pan", maskPAN(pan), "amount", amount.Plain())
		var err error
		pin, err = p.requestPIN(entry, display, request)
		return err
	})
	return pin, err
}

// requestPIN runs the exchange. When it ends without the pad's answer (the till
// cancelled, the customer took too long, the line garbled) it tells the pad to stop,
// so that the pad is idle for the next customer.
func (p *Pad) requestPIN(ctx context.Context, display, request ipp.Frame) (EncryptedPIN, error) {
	pin, err := p.exchangePIN(ctx, display, request)
	switch {
	case err == nil, errors.Is(err, ErrCancelled), errors.Is(err, ErrNoPIN), errors.Is(err, ErrRefused),
		errors.Is(err, devices.ErrUnplugged), errors.Is(err, devices.ErrClosed):
		return pin, err
	}
	if errors.Is(err, devices.ErrTimeout) && ctx.Err() == nil {
		err = fmt.Errorf("no PIN within %v: %w", p.cfg.EntryTimeout, err)
	}
	if cerr := p.link.cancelSession(context.WithoutCancel(ctx)); cerr != nil {
		p.log.Warn("could not stop PIN entry", "err", cerr)
	}
	return EncryptedPIN{}, err
}

// exchangePIN sends Z2 and Z60 and reads the answer, packet 73 or EOT.
func (p *Pad) exchangePIN(ctx context.Context, display, request ipp.Frame) (EncryptedPIN, error) {
	if err := p.link.send(ctx, display); err != nil {
		return EncryptedPIN{}, err
	}
	if err := p.link.send(ctx, request); err != nil {
		return EncryptedPIN{}, err
	}
	frame, err := p.link.receive(ctx, p.cfg.Now().Add(p.cfg.EntryTimeout))
	if errors.Is(err, errEOT) {
		p.log.Info("PIN entry cancelled at the pad")
		return EncryptedPIN{}, ErrCancelled
	}
	if err != nil {
		return EncryptedPIN{}, err
	}
	if typ := ipp.PacketType(frame); typ != ipp.TypePINResponse {
		return EncryptedPIN{}, fmt.Errorf("pad answered Z60 with packet %q: %w", typ, devices.ErrProtocol)
	}
	resp, err := ipp.ParsePINResponse(frame, p.cfg.Key)
	var refusal *ipp.EntryError
	switch {
	case errors.As(err, &refusal):
		return EncryptedPIN{}, fmt.Errorf("%w: %w", ErrRefused, refusal)
	case err != nil:
		return EncryptedPIN{}, err
	case !resp.Entered:
		p.log.Info("customer entered no PIN")
		return EncryptedPIN{}, ErrNoPIN
	}
	pin := EncryptedPIN{Key: resp.Key, KSN: resp.KSN, Block: resp.Block}
	p.log.Info("PIN entered", "key", pin.Key.String(), "ksn", fmt.Sprintf("%X", pin.KSN))
	return pin, nil
}

// CheckDUKPT asks the pad which DUKPT engine is active (packet 25) and returns it,
// 0 to 2. A pad that answers proves the line, the framing and its DUKPT firmware.
func (p *Pad) CheckDUKPT(ctx context.Context) (int, error) {
	var engine int
	err := p.job(ctx, "check DUKPT engine", func() error {
		if err := p.link.send(ctx, ipp.EngineCheckRequest()); err != nil {
			return err
		}
		frame, err := p.link.receive(ctx, p.cfg.Now().Add(p.cfg.ResponseTimeout))
		if errors.Is(err, errEOT) {
			return fmt.Errorf("packet 25 answered with EOT: %w (%w)", ErrRefused, devices.ErrProtocol)
		}
		if err != nil {
			return err
		}
		if engine, err = ipp.ParseEngineCheckResponse(frame); err != nil {
			return err
		}
		return p.link.awaitEOT(ctx)
	})
	return engine, err
}

// amountLine is "AMOUNT CNY 12.34" when it fits a display line, else the amount.
func amountLine(currency string, amount money.Amount) string {
	return labelledLine("AMOUNT", currency, amount)
}

// labelledLine is the label and the amount at the line's two ends: "AMOUNT CNY
// 12.34" when that fits a display line, else without the currency ("BALANCE
// 1234.56"), else the amount alone with its currency.
func labelledLine(label, currency string, amount money.Amount) string {
	value := currency + " " + amount.Plain()
	for _, v := range []string{value, amount.Plain()} {
		if gap := ipp.DisplayColumns - len(label) - len(v); gap > 0 {
			return label + strings.Repeat(" ", gap) + v
		}
	}
	return value
}

// displayText joins up to two lines into the text Z2 carries: line 1 padded to the
// display width, then line 2.
func displayText(lines ...string) (string, error) {
	if len(lines) > ipp.DisplayLines {
		return "", fmt.Errorf("%w: %d lines, the pad has %d", ErrDisplayText, len(lines), ipp.DisplayLines)
	}
	for i, line := range lines {
		if len(line) > ipp.DisplayColumns {
			return "", fmt.Errorf("%w: line %d has %d characters, at most %d", ErrDisplayText, i+1, len(line), ipp.DisplayColumns)
		}
		for j := 0; j < len(line); j++ {
			if line[j] < 0x20 || line[j] > 0x7E {
				return "", fmt.Errorf("%w: line %d is not printable ASCII", ErrDisplayText, i+1)
			}
		}
	}
	if len(lines) == 2 && lines[1] != "" {
		return fmt.Sprintf("%-*s%s", ipp.DisplayColumns, lines[0], lines[1]), nil
	}
	if len(lines) == 0 {
		return "", nil
	}
	return lines[0], nil
}
