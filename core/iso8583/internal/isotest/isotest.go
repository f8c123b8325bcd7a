// Package isotest holds what the tests of the ISO 8583 packages share: a hex helper
// and the published message captures they all check against. Only tests import it.
package isotest

import (
	"encoding/hex"
	"strings"
	"testing"
)

// Hex decodes a vector written in hexadecimal; spaces, newlines and colons are
// allowed for readability. A malformed vector fails the test at once.
func Hex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.NewReplacer(" ", "", "\n", "", "\t", "", ":", "").Replace(s))
	if err != nil {
		t.Fatalf("bad test vector: %v", err)
	}
	return b
}

// Published captures of UnionPay POS traffic. Each is quoted byte for byte from its
// source; none is constructed here.
const (
	// SaleFrame is a UnionPay chip sale request (0200) as sent on the wire: 2-byte
	// length 01AA, TPDU 60 0006 0000, application header 60 31 00 31 10 03, then the
	// message with DE2-DE64 (ICC data in DE55, ASCII MAC "8F651B26" in DE64).
	// Source: "POS调试8583报文-消费", https://www.codetd.com/article/5053461 (a copy of
	// https://blog.csdn.net/MaxWoods/article/details/86490475), request dump and its
	// parse (MTI 0200, bitmap 702406C020C19A31, DE2 6224242900000113, DE3 000000,
	// DE4 000000000001, DE11 000403, DE14 2806, DE22 0710, DE23 0000, DE25 00, DE26 12).
	SaleFrame = `01 AA 60 00 06 00 00 60 31 00 31 10 03 02 00 70 24 06 C0 20 C1 9A 31 16 62 24 24 29 00
00 01 13 00 00 00 00 00 00 00 00 01 00 04 03 28 06 07 10 00 00 00 12 34 62 24 24 29 00
00 01 13 D2 80 62 01 39 49 03 10 13 31 30 30 30 30 30 31 39 38 35 30 31 30 30 30 38 32
34 31 30 30 30 32 00 01 00 31 35 36 D1 EE F4 19 D0 AE 26 09 26 00 00 00 00 00 00 00 01
39 9F 26 08 95 BB E3 72 27 1D DA 7C 9F 27 01 80 9F 10 13 07 01 01 03 A0 00 00 01 0A 01
00 00 00 00 00 ED 53 8F E4 9F 37 04 7F 9F 34 9E 9F 36 02 01 57 95 05 00 00 00 00 00 9A
03 19 08 30 9C 01 00 9F 02 06 00 00 00 00 00 01 5F 2A 02 01 56 82 02 7C 00 9F 1A 02 01
56 9F 03 06 00 00 00 00 00 00 9F 33 03 E0 E1 C8 9F 35 01 22 9F 1E 08 31 30 30 30 30 30
31 39 84 08 A0 00 00 03 33 01 01 02 9F 09 02 00 8C 9F 41 04 00 00 04 03 01 53 31 32 32
30 38 39 38 36 30 36 31 37 30 38 30 30 30 32 35 38 33 39 39 33 31 33 31 31 48 46 54 31
37 30 38 30 33 30 31 31 34 31 34 32 30 31 39 30 38 33 30 30 39 33 34 33 35 31 35 30 32
30 30 31 37 32 32 42 44 33 30 2E 36 32 31 35 35 35 2C 31 31 34 2E 33 36 31 39 35 34 41
32 36 30 30 31 30 32 30 32 30 32 31 36 30 30 30 30 32 39 30 32 31 30 30 31 35 37 30 38
30 33 30 36 30 30 30 31 31 33 30 34 30 38 30 34 32 34 37 32 39 32 30 35 30 38 48 37 30
36 32 38 30 31 00 14 22 00 00 24 00 06 00 38 46 36 35 31 42 32 36`

	// QRSaleFrame is a UnionPay QR-code sale request (0200): length 007F, TPDU
	// 60 0003 0000, header 60 32 10 32 00 72, DE3/4/11/22/25/41/42/49/60/62 and the MAC
	// "B3A092AE" in DE64, which the poster says the host computed with the MAC key
	// QRSaleMACKey. Source: q.cnblogs.com/q/128930 ("原始全部数据").
	QRSaleFrame = `00:7f:60:00:03:00:00:60:32:10:32:00:72:02:00:30:20:04:80:00:c0:80:15:00:00:00:00
:00:00:00:12:34:00:00:02:03:00:99:30:30:30:30:30:30:30:31:39:35:32:37:31:38:31:38:32:32
:31:37:38:37:35:31:35:36:00:19:26:00:00:01:00:06:00:00:00:00:00:43:5f:01:12:32:38:34:34
:31:32:33:34:35:36:37:38:39:30:31:32:33:34:5f:03:06:31:36:30:30:33:36:5f:04:06:32:30:30
:38:32:36:5c:02:30:31:42:33:41:30:39:32:41:45`

	// QRSaleMACKey is the TAK (MAC key) of QRSaleFrame, same source.
	QRSaleMACKey = "0723C80DB5F4CD3D0723C80DB5F4CD3D"

	// SwipeSaleMAB is the MAC element block (MTI through DE60, the MAC field not yet
	// appended) of a UnionPay magnetic-stripe sale with PIN: bitmap 302004C020C09811,
	// DE35 track 2, DE52 PIN block, DE53 2600000000000000, DE60 22000001. Source:
	// "MAC算法演示", https://blog.youkuaiyun.com/zhu244912654/article/details/80005341
	// ("源数据", split there into the blocks M1-M12).
	SwipeSaleMAB = `0200302004C020C0981100000000000000005100183402100006324392260009942820D131210112
0084393136363838303134303030303030303030303030303031313536ACF46E73838A82F926000000000000
00000822000001`
)

// FrameHeaderSize is the bytes before the ISO 8583 message in the captures above:
// 2-byte length, 5-byte TPDU, 6-byte application header.
const FrameHeaderSize = 2 + 5 + 6
