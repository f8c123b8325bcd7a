package walletsim

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"tilldesk/core/money"
	"tilldesk/core/wallet"
)

var (
	appKeyOnce sync.Once
	appKey     *rsa.PrivateKey
)

// caller speaks one provider's protocol to the sandbox.
type caller struct {
	p    wallet.Provider
	call func(wallet.Op, wallet.Order) (wallet.Result, error)
}

// sandbox starts a gateway with a registered Alipay app and WeChat merchant, and
// returns a caller for each provider.
func sandbox(t *testing.T) (*Gateway, []caller) {
	t.Helper()
	appKeyOnce.Do(func() { appKey, _ = rsa.GenerateKey(rand.Reader, 2048) })
	g, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	ali := wallet.AlipayCredentials{AppID: "2021000000000001", PrivateKey: appKey, AlipayPublicKey: g.AlipayPublicKey()}
	wx := wallet.WeChatCredentials{AppID: "wx2421b1c4370ec43b", MchID: "10000100", APIKey: strings.Repeat("k", 32)}
	g.RegisterAlipayApp(ali.AppID, &appKey.PublicKey)
	g.RegisterWeChatMerchant(wx.AppID, wx.MchID, wx.APIKey)
	client := &http.Client{Timeout: 5 * time.Second}
	callAlipay := func(op wallet.Op, o wallet.Order) (wallet.Result, error) {
		form, err := wallet.AlipayRequest(ali, op, o, time.Now())
		if err != nil {
			return wallet.Result{}, err
		}
		resp, err := client.PostForm(g.AlipayGatewayURL(), form)
		if err != nil {
			return wallet.Result{}, err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return wallet.ParseAlipayAnswer(op, body, ali.AlipayPublicKey)
	}
	callWeChat := func(op wallet.Op, o wallet.Order) (wallet.Result, error) {
		path, req, err := wallet.WeChatRequest(wx, op, o, "nonce1", time.Now())
		if err != nil {
			return wallet.Result{}, err
		}
		resp, err := client.Post(g.WeChatBaseURL()+path, "text/xml", bytes.NewReader(req))
		if err != nil {
			return wallet.Result{}, err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return wallet.ParseWeChatAnswer(wx, op, body)
	}
	return g, []caller{{wallet.Alipay, callAlipay}, {wallet.WeChat, callWeChat}}
}

func TestSandboxCodePayments(t *testing.T) {
	g, callers := sandbox(t)
	phone := g.Phone()
	for _, c := range callers {
		w, _ := phone.NewWallet(c.p, 10000)
		code, err := phone.ShowCode(w, PayAtOnce)
		if p, _ := wallet.ClassifyCode(code); err != nil || p != c.p {
			t.Fatalf("%s code %s classifies as %s, %v", c.p, code, p, err)
		}
		o := wallet.Order{OutTradeNo: string(c.p) + "1", AuthCode: code, Subject: "s", Amount: 1250}
		if r, err := c.call(wallet.OpPay, o); err != nil || r.Outcome != wallet.OutcomeSuccess || r.Amount != 1250 {
			t.Fatalf("%s pay: %+v, %v", c.p, r, err)
		}
		if r, err := c.call(wallet.OpPay, wallet.Order{OutTradeNo: string(c.p) + "2", AuthCode: code, Subject: "s", Amount: 1}); err != nil || r.Outcome != wallet.OutcomeFailed {
			t.Fatalf("%s code used twice: %+v, %v", c.p, r, err)
		}
		// Asked to confirm: paying until the phone says yes.
		code, _ = phone.ShowCode(w, AskConfirm)
		o = wallet.Order{OutTradeNo: string(c.p) + "3", AuthCode: code, Subject: "s", Amount: 250}
		if r, err := c.call(wallet.OpPay, o); err != nil || r.Outcome != wallet.OutcomePaying {
			t.Fatalf("%s pay asking: %+v, %v", c.p, r, err)
		}
		if r, _ := c.call(wallet.OpQuery, o); r.Trade != wallet.TradeWaiting || len(phone.Pending()) != 1 {
			t.Fatalf("%s query while asking: %+v, pending %v", c.p, r, phone.Pending())
		}
		if err := phone.Confirm(o.OutTradeNo); err != nil {
			t.Fatal(err)
		}
		if r, _ := c.call(wallet.OpQuery, o); r.Trade != wallet.TradePaid {
			t.Fatalf("%s query after confirm: %+v", c.p, r)
		}
		// Refunds: once per refund number, never more than paid.
		o.RefundAmount, o.OutRefundNo = 100, "R1"
		for range 2 {
			if r, err := c.call(wallet.OpRefund, o); err != nil || r.Outcome != wallet.OutcomeSuccess {
				t.Fatalf("%s refund: %+v, %v", c.p, r, err)
			}
		}
		o.RefundAmount, o.OutRefundNo = 200, "R2"
		if r, _ := c.call(wallet.OpRefund, o); r.Outcome != wallet.OutcomeFailed {
			t.Fatalf("%s over-refund: %+v", c.p, r)
		}
		// Cancel of the paid trade gives the rest back.
		if r, err := c.call(wallet.OpCancel, o); err != nil || r.Outcome != wallet.OutcomeSuccess {
			t.Fatalf("%s cancel: %+v, %v", c.p, r, err)
		}
		if bal, _ := phone.Balance(w); bal != 10000-1250 {
			t.Fatalf("%s balance %d", c.p, bal)
		}
	}
}

func TestSandboxQROrders(t *testing.T) {
	g, callers := sandbox(t)
	phone := g.Phone()
	for _, c := range callers {
		w, _ := phone.NewWallet(c.p, 1000)
		o := wallet.Order{OutTradeNo: string(c.p) + "Q1", Subject: "s", Amount: 300, Timeout: 5 * time.Minute, NotifyURL: "http://127.0.0.1/"}
		r, err := c.call(wallet.OpPrecreate, o)
		if err != nil || r.CodeURL == "" {
			t.Fatalf("%s precreate: %+v, %v", c.p, r, err)
		}
		if q, _ := c.call(wallet.OpQuery, o); q.Outcome != wallet.OutcomeSuccess || (q.Trade != wallet.TradeNotFound && q.Trade != wallet.TradeWaiting) {
			t.Fatalf("%s query before the scan: %+v", c.p, q)
		}
		if _, err := phone.ScanQR(w, r.CodeURL, PayAtOnce); err != nil {
			t.Fatal(err)
		}
		if q, _ := c.call(wallet.OpQuery, o); q.Trade != wallet.TradePaid {
			t.Fatalf("%s query after the scan: %+v", c.p, q)
		}
		if cl, _ := c.call(wallet.OpClose, o); cl.Outcome != wallet.OutcomeFailed {
			t.Fatalf("%s close of a paid QR trade: %+v", c.p, cl)
		}
		o.OutTradeNo = string(c.p) + "Q2"
		r, _ = c.call(wallet.OpPrecreate, o)
		if cl, _ := c.call(wallet.OpClose, o); cl.Outcome != wallet.OutcomeSuccess {
			t.Fatalf("%s close: %+v", c.p, cl)
		}
		if _, err := phone.ScanQR(w, r.CodeURL, PayAtOnce); !errors.Is(err, ErrNoQR) {
			t.Fatalf("%s scan of a closed QR: %v", c.p, err)
		}
	}
}

func TestSandboxFaults(t *testing.T) {
	g, callers := sandbox(t)
	phone := g.Phone()
	for _, c := range callers {
		w, _ := phone.NewWallet(c.p, money.Yuan(100))
		code, _ := phone.ShowCode(w, PayAtOnce)
		o := wallet.Order{OutTradeNo: string(c.p) + "F1", AuthCode: code, Subject: "s", Amount: 100}
		g.Inject(Fault{Provider: c.p, Op: wallet.OpPay, Kind: FaultDrop})
		if _, err := c.call(wallet.OpPay, o); err == nil {
			t.Fatalf("%s dropped answer: no error", c.p)
		}
		if q, _ := c.call(wallet.OpQuery, o); q.Trade != wallet.TradePaid {
			t.Fatalf("%s the dropped pay was done: %+v", c.p, q)
		}
		g.Inject(Fault{Provider: c.p, Kind: FaultSystemError})
		if r, err := c.call(wallet.OpQuery, o); err != nil || r.Outcome != wallet.OutcomeUnknown {
			t.Fatalf("%s system error: %+v, %v", c.p, r, err)
		}
		g.Inject(Fault{Provider: c.p, Op: wallet.OpQuery, Kind: FaultSlow, Delay: 50 * time.Millisecond})
		start := time.Now()
		if r, _ := c.call(wallet.OpQuery, o); r.Trade != wallet.TradePaid || time.Since(start) < 50*time.Millisecond {
			t.Fatalf("%s slow answer: %+v after %v", c.p, r, time.Since(start))
		}
		// The customer confirms just as the till cancels: the cancel is answered
		// "retry", and the next one gives the money back.
		code, _ = phone.ShowCode(w, AskConfirm)
		o = wallet.Order{OutTradeNo: string(c.p) + "F2", AuthCode: code, Subject: "s", Amount: 500}
		c.call(wallet.OpPay, o)
		before, _ := phone.Balance(w)
		g.Inject(Fault{Provider: c.p, Op: wallet.OpCancel, Kind: FaultPaidDuringCancel})
		if r, _ := c.call(wallet.OpCancel, o); r.Outcome != wallet.OutcomeRetry {
			t.Fatalf("%s cancel during payment: %+v", c.p, r)
		}
		if bal, _ := phone.Balance(w); bal != before-500 {
			t.Fatalf("%s not paid during the cancel: %d", c.p, bal)
		}
		if r, _ := c.call(wallet.OpCancel, o); r.Outcome != wallet.OutcomeSuccess {
			t.Fatalf("%s second cancel: %+v", c.p, r)
		}
		if bal, _ := phone.Balance(w); bal != before {
			t.Fatalf("%s money not given back: %d", c.p, bal)
		}
	}
}

// Requests from unknown merchants or with bad signatures are refused, and the
// sandbox's answers to them are themselves signed (Alipay) or plain FAIL (WeChat).
func TestSandboxRefusesBadRequests(t *testing.T) {
	g, _ := sandbox(t)
	resp, err := http.PostForm(g.AlipayGatewayURL(), map[string][]string{"app_id": {"1"}, "method": {"alipay.trade.query"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	r, err := wallet.ParseAlipayAnswer(wallet.OpQuery, body, g.AlipayPublicKey())
	if err != nil || r.Outcome != wallet.OutcomeFailed || r.Reason != "isv.invalid-app-id" {
		t.Fatalf("unknown app: %+v, %v (%s)", r, err, body)
	}
	resp, err = http.Post(g.WeChatBaseURL()+"/pay/orderquery", "text/xml", strings.NewReader("<xml><mch_id>10000100</mch_id><appid>wx2421b1c4370ec43b</appid><sign>00</sign></xml>"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "签名错误") {
		t.Fatalf("bad WeChat signature: %s", body)
	}
}
