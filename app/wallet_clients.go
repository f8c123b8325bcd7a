package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"tilldesk/core/sale"
	"tilldesk/core/wallet"
)

// walletAPI is one provider's API as the wallet tenders use it: one operation per
// call, its answer parsed and verified. A network failure or an answer not understood
// comes back as wallet.OutcomeUnknown with the error.
type walletAPI interface {
	method() sale.Method
	call(ctx context.Context, op wallet.Op, o wallet.Order) (wallet.Result, error)
}

// walletAnswerLimit bounds what the till reads of an answer.
const walletAnswerLimit = 1 << 20

// walletHTTP sends one request with the call timeout and returns the answer's body.
type walletHTTP struct {
	client  *http.Client
	timeout time.Duration
	log     *slog.Logger
}

func (h walletHTTP) post(ctx context.Context, url, contentType string, body []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, walletAnswerLimit))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	return answer, nil
}

// logCall logs one provider call: the operation, the trade number and the outcome,
// never a payment code or a key.
func (h walletHTTP) logCall(m sale.Method, op wallet.Op, o wallet.Order, res wallet.Result, err error, took time.Duration) {
	attrs := []any{"method", m, "op", op, "out_trade_no", o.OutTradeNo, "outcome", res.Outcome.String(), "trade", res.Trade.String(), "ms", took.Milliseconds()}
	if res.Reason != "" {
		attrs = append(attrs, "reason", res.Reason)
	}
	if err != nil {
		h.log.Warn("wallet call without a definite answer", append(attrs, "err", err)...)
		return
	}
	h.log.Info("wallet call", attrs...)
}

// exchange sends one request made by build (its URL, content type and body) and
// parses the answer, logging the call. A request that cannot be built is a definite
// failure (nothing sent); a network failure is OutcomeUnknown.
func (h walletHTTP) exchange(ctx context.Context, m sale.Method, op wallet.Op, o wallet.Order,
	build func() (url, contentType string, body []byte, err error), parse func([]byte) (wallet.Result, error)) (res wallet.Result, err error) {
	start := time.Now()
	defer func() { h.logCall(m, op, o, res, err, time.Since(start)) }()
	url, contentType, body, err := build()
	if err != nil {
		return wallet.Result{Outcome: wallet.OutcomeFailed, Reason: "not_sent"}, err
	}
	answer, err := h.post(ctx, url, contentType, body)
	if err != nil {
		return wallet.Result{}, fmt.Errorf("%s %s %s: %w", m, op, o.OutTradeNo, err)
	}
	return parse(answer)
}

// alipayAPI calls the Alipay OpenAPI gateway.
type alipayAPI struct {
	walletHTTP
	gateway string
	creds   wallet.AlipayCredentials
	now     func() time.Time
}

func (a *alipayAPI) method() sale.Method { return sale.Alipay }

func (a *alipayAPI) call(ctx context.Context, op wallet.Op, o wallet.Order) (wallet.Result, error) {
	return a.exchange(ctx, sale.Alipay, op, o, func() (string, string, []byte, error) {
		form, err := wallet.AlipayRequest(a.creds, op, o, a.now())
		return a.gateway, "application/x-www-form-urlencoded;charset=utf-8", []byte(form.Encode()), err
	}, func(body []byte) (wallet.Result, error) {
		return wallet.ParseAlipayAnswer(op, body, a.creds.AlipayPublicKey)
	})
}

// wechatAPI calls the WeChat Pay v2 API host.
type wechatAPI struct {
	walletHTTP
	base  string
	creds wallet.WeChatCredentials
	now   func() time.Time
}

func (w *wechatAPI) method() sale.Method { return sale.WeChat }

func (w *wechatAPI) call(ctx context.Context, op wallet.Op, o wallet.Order) (wallet.Result, error) {
	return w.exchange(ctx, sale.WeChat, op, o, func() (string, string, []byte, error) {
		var nonce [16]byte
		_, _ = rand.Read(nonce[:])
		path, body, err := wallet.WeChatRequest(w.creds, op, o, hex.EncodeToString(nonce[:]), w.now())
		return strings.TrimRight(w.base, "/") + path, "text/xml; charset=utf-8", body, err
	}, func(body []byte) (wallet.Result, error) { return wallet.ParseWeChatAnswer(w.creds, op, body) })
}
