package ui

import (
	"errors"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"tilldesk/app/acquirersim"
	"tilldesk/app/walletsim"
	"tilldesk/core/money"
	"tilldesk/core/sale"
	"tilldesk/core/wallet"
)

// PhonePanel is the simulator panel's customer phone (demo mode): a wallet of the
// sandbox (Alipay or WeChat Pay, with a balance) that shows a payment code for the
// till to scan, scans the QR code the till shows, and confirms or refuses the payments
// waiting on it. With the sandbox acquirer, its UnionPay app (a wallet at the
// acquirer sandbox) shows UnionPay QR payment codes too. Its widgets are exported so
// tests drive it.
type PhonePanel struct {
	Wallet   *widget.RadioGroup // which wallet app the customer opens
	Balance  *widget.Entry      // the balance of a new wallet
	Ask      *widget.Check      // the customer confirms on the phone (else: pays at once)
	ShowCode *widget.Button     // shows a payment code and scans it
	ScanQR   *widget.Button     // scans the QR code on the till's screen
	Info     *widget.Label      // the wallet, its balance, the last code (masked)
	Waiting  []*PhonePayment    // the payments waiting on the phone
	Error    *widget.Label

	c         *Cashier
	phone     *walletsim.Phone
	unionPay  *acquirersim.QRApp // the sandbox acquirer's UnionPay app, or nil
	upScanned *upScan            // a till's UnionPay code scanned, waiting for the customer
	providers []wallet.Provider  // the wallets offered, in the Wallet choice's order
	scan      func(code string)  // hands a code to the simulated scanner
	wallets   map[wallet.Provider]phoneWallet
	list      *fyne.Container // holds Waiting
	work      worker
}

// PhonePayment is one payment waiting for the customer on the phone.
type PhonePayment struct {
	Label   *widget.Label
	Confirm *widget.Button
	Refuse  *widget.Button
}

// phoneWallet is a wallet the phone opened, and the balance it was opened with.
type phoneWallet struct {
	id      string
	opening money.Amount
}

// errNoQRShown: the phone was asked to scan the till's QR code, and none is shown.
var errNoQRShown = errors.New("the till shows no QR code now")

// newPhonePanel builds the phone over the demo wallet sandbox, or returns nil outside
// demo mode. scan is how the panel scans codes (the simulated scanner).
func (c *Cashier) newPhonePanel(scan func(string)) *PhonePanel {
	if c.wallets == nil || c.wallets.Sandbox() == nil {
		return nil
	}
	p := &PhonePanel{c: c, phone: c.wallets.Sandbox().Phone(), scan: scan, wallets: map[wallet.Provider]phoneWallet{},
		providers: []wallet.Provider{wallet.Alipay, wallet.WeChat}, Info: widget.NewLabel(""), Error: resultLabel(), list: container.NewVBox()}
	if c.cards != nil && c.cards.payments.Sandbox() != nil && (c.wallets.TakesUnionPayQR() || c.cards.payments.TakesMerchantQR()) {
		p.unionPay = c.cards.payments.Sandbox().UnionPayApp()
		p.providers = append(p.providers, wallet.UnionPay)
	}
	p.Error.Importance = widget.DangerImportance
	p.Error.Hide()
	var names []string
	for _, pr := range p.providers {
		names = append(names, providerName(pr))
	}
	p.Wallet = widget.NewRadioGroup(names, func(string) { p.refresh() })
	p.Wallet.Horizontal = true
	p.Wallet.Required = true
	p.Wallet.SetSelected(providerName(wallet.Alipay))
	p.Balance = widget.NewEntry()
	p.Balance.SetText("500.00")
	p.Ask = widget.NewCheck(tr("sim.phone.ask"), nil)
	p.ShowCode = widget.NewButton(tr("sim.phone.show_code"), p.showCode)
	p.ScanQR = widget.NewButton(tr("sim.phone.scan_qr"), p.scanQR)
	p.phone.OnChange(func() { p.work.post(p.refresh) })
	p.refresh()
	return p
}

// content lays the phone out for the simulator panel.
func (p *PhonePanel) content() fyne.CanvasObject {
	choice := container.NewBorder(nil, nil, p.Wallet, nil, container.NewBorder(nil, nil, widget.NewLabel(tr("sim.phone.balance")), nil, p.Balance))
	return container.NewVBox(boldLabel(tr("sim.phone.title")), choice, p.Ask,
		container.NewGridWithColumns(2, p.ShowCode, p.ScanQR), p.Info, p.list, p.Error)
}

// stop detaches the phone from the sandbox when the panel closes.
func (p *PhonePanel) stop() { p.phone.OnChange(nil) }

// provider is the wallet chosen.
func (p *PhonePanel) provider() wallet.Provider {
	for _, pr := range p.providers {
		if providerName(pr) == p.Wallet.Selected {
			return pr
		}
	}
	return wallet.Alipay
}

// behaviour is how the phone answers a payment request.
func (p *PhonePanel) behaviour() walletsim.Behaviour {
	if p.Ask.Checked {
		return walletsim.AskConfirm
	}
	return walletsim.PayAtOnce
}

// walletID is the chosen wallet, opened with the balance typed when there is none
// yet or the balance typed changed.
func (p *PhonePanel) walletID() (string, error) {
	balance, err := money.Parse(p.Balance.Text)
	if err != nil {
		return "", fmt.Errorf("phone balance %q: %w", p.Balance.Text, err)
	}
	pr := p.provider()
	if w, ok := p.wallets[pr]; ok && w.opening == balance {
		return w.id, nil
	}
	var id string
	if pr == wallet.UnionPay {
		id, err = p.unionPay.NewWallet(int64(balance))
	} else {
		id, err = p.phone.NewWallet(pr, balance)
	}
	if err != nil {
		return "", err
	}
	p.wallets[pr] = phoneWallet{id: id, opening: balance}
	return id, nil
}

// showCode shows a fresh payment code of the chosen wallet and scans it.
func (p *PhonePanel) showCode() {
	id, err := p.walletID()
	var code string
	switch {
	case err != nil:
	case p.provider() == wallet.UnionPay: // paid at once: the acquirer answers for the app
		code, err = p.unionPay.ShowCode(id)
	default:
		code, err = p.phone.ShowCode(id, p.behaviour())
	}
	if err != nil {
		p.fail(err)
		return
	}
	p.fail(nil)
	p.refresh()
	p.Info.SetText(p.Info.Text + "  " + trf("sim.phone.code", map[string]any{"Code": wallet.MaskCode(code)}))
	p.scan(code)
}

// scanQR pays the QR code the till shows with a wallet of its provider.
func (p *PhonePanel) scanQR() {
	d, ok := p.c.Screen.(*WalletDialog)
	if !ok || d.codeURL == "" {
		p.fail(errNoQRShown)
		return
	}
	p.Wallet.SetSelected(providerName(providerOf(d.method)))
	id, err := p.walletID()
	if err == nil && d.method == sale.UnionPayQR {
		err = p.scanUnionPayQR(id, d.codeURL)
	} else if err == nil {
		_, err = p.phone.ScanQR(id, d.codeURL, p.behaviour())
	}
	if err != nil {
		p.fail(err)
		return
	}
	p.fail(nil)
	p.refresh()
}

// refresh shows the chosen wallet's balance and the payments waiting on the phone.
func (p *PhonePanel) refresh() {
	info := trf("sim.phone.none", map[string]any{"Wallet": p.Wallet.Selected})
	if w, ok := p.wallets[p.provider()]; ok {
		if b, err := p.balance(w.id); err == nil {
			info = trf("sim.phone.wallet", map[string]any{"Wallet": p.Wallet.Selected, "Balance": b.Format()})
		}
	}
	p.Info.SetText(info)
	p.Waiting = nil
	p.list.RemoveAll()
	p.listUnionPayQR()
	for _, w := range p.phone.Pending() {
		row := &PhonePayment{Label: widget.NewLabel(trf("sim.phone.waiting", map[string]any{"Wallet": providerName(w.Provider), "Amount": w.Amount.Format()}))}
		row.Confirm = widget.NewButton(tr("sim.phone.confirm"), func() { p.answer(p.phone.Confirm, w.OutTradeNo) })
		row.Confirm.Importance = widget.HighImportance
		row.Refuse = widget.NewButton(tr("sim.phone.refuse"), func() { p.answer(p.phone.Refuse, w.OutTradeNo) })
		p.Waiting = append(p.Waiting, row)
		p.list.Add(container.NewBorder(nil, nil, nil, container.NewHBox(row.Confirm, row.Refuse), row.Label))
	}
	p.fit()
}

// balance is a wallet's balance, at the wallet sandbox or the acquirer's UnionPay app.
func (p *PhonePanel) balance(id string) (money.Amount, error) {
	if p.provider() == wallet.UnionPay {
		b, err := p.unionPay.Balance(id)
		return money.Amount(b), err
	}
	return p.phone.Balance(id)
}

// answer confirms or refuses a payment waiting on the phone.
func (p *PhonePanel) answer(how func(outTradeNo string) error, outTradeNo string) {
	p.fail(how(outTradeNo))
	p.refresh()
}

// fail shows why the phone could not do what was asked (nil: clears it).
func (p *PhonePanel) fail(err error) {
	p.Error.Hidden = err == nil
	switch {
	case errors.Is(err, errNoQRShown):
		p.Error.SetText(tr("sim.phone.no_qr"))
	case errors.Is(err, walletsim.ErrNoQR):
		p.Error.SetText(tr("sim.phone.qr_refused"))
	case err != nil:
		p.Error.SetText(errorText(err))
	}
	p.fit()
}

// fit makes the simulator panel as tall as its content, payments waiting included.
func (p *PhonePanel) fit() {
	if sp := p.c.SimPanel; sp != nil && sp.Phone == p {
		sp.popup.Resize(sp.popup.MinSize()) // (a popup's Size is its canvas's)
	}
}

// Wait runs the updates the sandbox handed over so far (tests).
func (p *PhonePanel) Wait() { p.work.Wait() }

// providerName is a wallet network's name in the cashier's language.
func providerName(pr wallet.Provider) string {
	switch pr {
	case wallet.WeChat:
		return walletName(sale.WeChat)
	case wallet.UnionPay:
		return walletName(sale.UnionPayQR)
	}
	return walletName(sale.Alipay)
}

// providerOf is the wallet network of a tender method.
func providerOf(m sale.Method) wallet.Provider {
	switch m {
	case sale.WeChat:
		return wallet.WeChat
	case sale.UnionPayQR:
		return wallet.UnionPay
	}
	return wallet.Alipay
}
