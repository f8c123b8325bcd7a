package app

import (
	"tilldesk/core/money"
	"tilldesk/core/sale"
)

// Discount limits a cashier may give without a manager: up to 10% or ¥10 off.
const (
	DiscountLimitBP     = 1000
	DiscountLimitAmount = money.Amount(1000)
)

// DiscountNeedsManager reports whether d is above the cashier's limit.
func DiscountNeedsManager(d sale.Discount) bool {
	return d.PercentBP > DiscountLimitBP || d.Amount > DiscountLimitAmount
}
