// Package walletsim is the wallet sandbox of demo mode and tests: an Alipay OpenAPI
// gateway and a WeChat Pay v2 API host on loopback, speaking the providers' formats
// and signatures, over one ledger of customer wallets and trades; a scriptable phone
// (Phone) that shows payment codes, scans the till's QR codes and confirms or refuses;
// and fault injection (Inject) for slow, dropped and failing answers.
package walletsim

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Options tune Start; the zero value is the demo defaults.
type Options struct {
	Now          func() time.Time // the sandbox's clock; time.Now when nil
	Log          *slog.Logger     // slog.Default() when nil
	CodeLifetime time.Duration    // how long a shown payment code may be used; 1 minute when 0
	// AlipayKey is the sandbox's "Alipay" key pair (answers are signed with it); a new
	// 2048-bit key when nil.
	AlipayKey *rsa.PrivateKey
}

// Gateway is a running sandbox. Its methods are safe for concurrent use.
type Gateway struct {
	opt Options
	log *slog.Logger

	mu        sync.Mutex
	apps      map[string]*rsa.PublicKey // Alipay app_id: the app's public key
	merchants map[string]weChatMerchant // WeChat mch_id
	trades    map[tradeKey]*trade
	codes     map[string]*paymentCode
	accounts  map[string]*walletAccount
	faults    []*Fault
	seq       int
	onChange  func()

	alipay, wechat *loopServer
}

type weChatMerchant struct{ appID, apiKey string }

// Start starts both providers' servers on loopback ports chosen by the system.
func Start(opt Options) (*Gateway, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.CodeLifetime <= 0 {
		opt.CodeLifetime = time.Minute
	}
	if opt.AlipayKey == nil {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, fmt.Errorf("wallet sandbox: key: %w", err)
		}
		opt.AlipayKey = k
	}
	g := &Gateway{opt: opt, log: opt.Log.With("component", "wallet-sandbox"), apps: map[string]*rsa.PublicKey{},
		merchants: map[string]weChatMerchant{}, trades: map[tradeKey]*trade{}, codes: map[string]*paymentCode{},
		accounts: map[string]*walletAccount{}}
	var err error
	if g.alipay, err = listen(http.HandlerFunc(g.serveAlipay)); err != nil {
		return nil, err
	}
	if g.wechat, err = listen(http.HandlerFunc(g.serveWeChat)); err != nil {
		g.alipay.close()
		return nil, err
	}
	g.log.Info("wallet sandbox started", "alipay", g.AlipayGatewayURL(), "wechat", g.WeChatBaseURL())
	return g, nil
}

// AlipayGatewayURL is the OpenAPI gateway to POST requests to.
func (g *Gateway) AlipayGatewayURL() string { return g.alipay.url + "/gateway.do" }

// WeChatBaseURL is the API host; operations are at wallet.WeChatPath below it.
func (g *Gateway) WeChatBaseURL() string { return g.wechat.url }

// AlipayPublicKey is the key the sandbox's answers verify with: the till's
// configuration in demo mode uses it as "Alipay's public key".
func (g *Gateway) AlipayPublicKey() *rsa.PublicKey { return &g.opt.AlipayKey.PublicKey }

// RegisterAlipayApp lets app appID call the gateway, its requests verified with key.
func (g *Gateway) RegisterAlipayApp(appID string, key *rsa.PublicKey) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.apps[appID] = key
}

// RegisterWeChatMerchant lets merchant mchID (of app appID) call the API host,
// signing with apiKey.
func (g *Gateway) RegisterWeChatMerchant(appID, mchID, apiKey string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.merchants[mchID] = weChatMerchant{appID: appID, apiKey: apiKey}
}

// Close stops both servers.
func (g *Gateway) Close() error {
	return errors.Join(g.alipay.close(), g.wechat.close())
}

func (g *Gateway) now() time.Time { return g.opt.Now() }

// changed tells the phone's listener that something changed. Call without g.mu.
func (g *Gateway) changed() {
	g.mu.Lock()
	fn := g.onChange
	g.mu.Unlock()
	if fn != nil {
		fn()
	}
}

// loopServer is an HTTP server on a loopback port.
type loopServer struct {
	url string
	srv *http.Server
}

func listen(h http.Handler) (*loopServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("wallet sandbox: listen: %w", err)
	}
	s := &loopServer{url: "http://" + ln.Addr().String(), srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func (s *loopServer) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		return s.srv.Close()
	}
	return nil
}

// requestLimit bounds what the sandbox reads of a request body.
const requestLimit = 64 << 10

// deliver writes an answer, applying the fault drawn for the request (nil: none):
// a delay first, then the answer or, for FaultDrop, a closed connection.
func (g *Gateway) deliver(w http.ResponseWriter, r *http.Request, f *Fault, contentType string, body []byte) {
	if f != nil && f.Delay > 0 {
		select {
		case <-time.After(f.Delay):
		case <-r.Context().Done():
			return
		}
	}
	if f != nil && f.Kind == FaultDrop {
		dropConnection(w)
		return
	}
	w.Header().Set("Content-Type", contentType)
	_, _ = w.Write(body)
}

// dropConnection closes the connection without an answer.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler) // net/http closes the connection quietly
}
