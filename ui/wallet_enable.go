package ui

import (
	"errors"

	"tilldesk/app"
	"tilldesk/core/wallet"
)

// EnableWallets gives the screen the till's wallet tenders: on F12, "Alipay / WeChat
// Pay (scan the customer's code)" and "Show a QR code to the customer"; payment codes
// scanned into the scan field; wallet sales refunded through their wallet by refunds
// (when given). Wallets that take no wallet add nothing, unless they route UnionPay QR
// codes to the acquirer: then the code tender and the scan field take those.
func (c *Cashier) EnableWallets(w *app.Wallets, refunds *app.Refunds) {
	if !takesCodes(w) {
		return
	}
	c.wallets = w
	if refunds != nil {
		w.RegisterRefunders(refunds)
	}
	c.AddTender(TenderOption{Label: "tender.wallet_code", Open: func() { c.OpenWalletCode() }})
	if len(w.Enabled()) > 0 {
		c.AddTender(TenderOption{Label: "tender.wallet_qr", Open: c.chooseWalletQR})
	}
}

// takesCodes reports whether w takes any customer payment code: a wallet's, or a
// UnionPay QR code through the acquirer.
func takesCodes(w *app.Wallets) bool {
	return w != nil && (len(w.Enabled()) > 0 || w.TakesUnionPayQR())
}

// OpenWalletCode opens the dialog that waits for the customer's payment code, and
// returns it (nil when the sale cannot be paid by wallet: the reason is on the
// message line).
func (c *Cashier) OpenWalletCode() *WalletDialog { return c.openWalletDialog(flowCode, "") }

// takePaymentCode starts a wallet payment of the amount due when text, entered in the
// scan field, is a customer's payment code, as Chinese tills do. The codes' formats
// (Alipay: 16 to 24 digits from 25-30; WeChat Pay: 18 digits from 10-15; UnionPay QR:
// 19 digits from 62, charged through the card acquirer) are no EAN or UPC length, and
// a code the catalog knows stays a product. It reports whether it took the text.
func (c *Cashier) takePaymentCode(text string) bool {
	if c.wallets == nil {
		return false
	}
	provider, err := wallet.ClassifyCode(text)
	if err != nil {
		return false
	}
	if _, err := c.till.Catalog().Lookup(text); err == nil {
		return false
	}
	c.log.Info("payment code scanned into the scan field", "provider", provider, "code", wallet.MaskCode(text))
	if provider == wallet.UnionPay && !c.wallets.TakesUnionPayQR() { // no acquirer to charge it
		c.fail(app.ErrWalletUnionPay)
		return true
	}
	if d := c.openWalletDialog(flowCode, ""); d != nil {
		d.takeCode(text)
	}
	return true
}

// offerWalletResolve opens the resolution dialog when err is the sales gate's refusal
// for wallet payments in doubt, so the cashier can retry at once.
func (c *Cashier) offerWalletResolve(err error) {
	if errors.Is(err, app.ErrWalletUnresolved) && c.Screen == nil {
		c.openWalletResolve()
	}
}

// raiseSimPanel puts the simulator panel, with its phone, over the open dialog (demo
// mode), opening it if needed.
func (c *Cashier) raiseSimPanel() {
	if c.SimPanel == nil {
		c.openSimPanel()
		return
	}
	c.SimPanel.popup.Hide()
	c.SimPanel.popup.Show()
}

// walletDeclineKeys translate the providers' most common refusals (Alipay sub_code,
// WeChat err_code, or the trade's final state).
var walletDeclineKeys = map[string]string{
	"ACQ.BUYER_BALANCE_NOT_ENOUGH":   "wallet.decline.balance",
	"NOTENOUGH":                      "wallet.decline.balance",
	"ACQ.PAYMENT_AUTH_CODE_INVALID":  "wallet.decline.code",
	"AUTH_CODE_INVALID":              "wallet.decline.code",
	"AUTHCODEEXPIRE":                 "wallet.decline.code",
	"AUTH_CODE_ERROR":                "wallet.decline.code",
	"trade_closed":                   "wallet.decline.customer",
	"trade_failed":                   "wallet.decline.customer",
	"ACQ.BUYER_ENABLE_STATUS_FORBID": "wallet.decline.account",
	"BUYER_MISMATCH":                 "wallet.decline.account",
}

// walletErrorText says why a wallet payment did not go through: a refusal with its
// reason when the provider gave a known one, else as errorText does.
func walletErrorText(err error) string {
	var declined *app.WalletDeclinedError
	if errors.As(err, &declined) {
		if key, ok := walletDeclineKeys[declined.Reason]; ok {
			return tr(key) + "\n" + err.Error()
		}
	}
	return errorText(err)
}
