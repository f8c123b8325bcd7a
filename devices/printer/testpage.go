package printer

import (
	"fmt"
	"strings"

	"tilldesk/core/receipt"
)

// testPageQR is what the test page's QR code says.
const testPageQR = "Tilldesk printer test"

// TestPage is the test page for paper width columns wide: a ruler the width of the
// paper, Chinese text, every row style, and (printed after it) a QR code.
func TestPage(width int) []receipt.Row {
	ruler := strings.Repeat("1234567890", width/10+1)[:width]
	return []receipt.Row{
		{Left: "Tilldesk 打印测试", Style: receipt.Title},
		{Left: "Printer test page", Style: receipt.Centre},
		{Style: receipt.Rule},
		{Left: ruler},
		{Left: "纸宽 Paper width", Right: fmt.Sprintf("%d", width)},
		{Left: "中文 GB18030", Right: "¥12.50"},
		{Left: "农夫山泉 苹果 可口可乐"},
		{Left: "合计 Total", Right: "¥0.00", Style: receipt.Total},
		{Style: receipt.Rule},
		{Left: "QR code below 二维码", Style: receipt.Centre},
	}
}
