package app

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tilldesk/app/walletsim"
	"tilldesk/core/wallet"
)

func TestWalletSealCommand(t *testing.T) {
	dir := t.TempDir()
	paths := Paths{Config: filepath.Join(dir, "config.toml"), DataDir: dir}
	var out, errb bytes.Buffer
	const key = "192006250b4c09247ec02edce69f6a2d"
	if code := WalletCommand(paths, []string{"seal", "wallet.wechat.api_key"}, strings.NewReader(key+"\n"), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	line := strings.Split(strings.TrimSpace(out.String()), "\n")[1]
	sealed := strings.Trim(strings.TrimPrefix(line, "api_key = "), `"`)
	if strings.Contains(out.String(), key) {
		t.Fatal("the secret was printed")
	}
	if plain, err := OpenSecret(paths, "wallet.wechat.api_key", sealed); err != nil || string(plain) != key {
		t.Fatalf("sealed line %q opens to %q, %v", line, plain, err)
	}
	for _, c := range []struct {
		args  []string
		input string
		code  int
	}{
		{[]string{"seal", "wallet.wechat.app_id"}, key, 2},
		{[]string{"seal", "wallet.wechat.api_key"}, "short", 1},
		{[]string{"seal", "wallet.alipay.app_private_key"}, "not a key", 1},
		{[]string{"unknown"}, "", 2},
	} {
		errb.Reset()
		if code := WalletCommand(paths, c.args, strings.NewReader(c.input), &out, &errb); code != c.code || strings.Contains(errb.String(), c.input) && c.input != "" {
			t.Errorf("%v: exit %d (%s), want %d without the input", c.args, code, errb.String(), c.code)
		}
	}
}

// The sim's configuration reaches the sandbox: a till configured with it sells.
func TestWalletSimConfigAndPhone(t *testing.T) {
	_, ali := walletTestKeys()
	sb, err := walletsim.Start(walletsim.Options{AlipayKey: ali, Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	dir := t.TempDir()
	paths := Paths{Config: filepath.Join(dir, "config.toml"), DataDir: dir}
	section, err := walletSimConfig(paths, sb)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(paths.Config, []byte("[terminal]\nid = \"DEMO0001\"\ndemo = true\n\n"+section), 0o600); err != nil {
		t.Fatal(err)
	}
	ph := sb.Phone()
	id := phoneCommand(ph, strings.Fields("wallet wechat 50.00"))
	code := phoneCommand(ph, []string{"code", id})
	if p, err := wallet.ClassifyCode(code); err != nil || p != wallet.WeChat {
		t.Fatalf("phone code %q: %v", code, err)
	}
	till, w := openConfiguredTill(t, dir)
	if _, err := till.Scan(water); err != nil {
		t.Fatal(err)
	}
	tender, err := w.CodeTender(code, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := till.Pay(t.Context(), tender, PayRequest{}); err != nil || r == nil {
		t.Fatalf("sale: %v", err)
	}
	if got := phoneCommand(ph, []string{"balance", id}); got != "48.00" {
		t.Fatalf("balance %s", got)
	}
	if got := phoneCommand(ph, []string{"confirm", "nothing"}); !strings.HasPrefix(got, "error:") {
		t.Fatalf("confirm of nothing: %s", got)
	}
}
