package ui

import (
	"errors"

	"tilldesk/app"
	"tilldesk/core/catalog"
	"tilldesk/core/money"
	"tilldesk/core/prepaid"
	"tilldesk/core/sale"
	"tilldesk/core/wallet"
	"tilldesk/devices"
	"tilldesk/devices/printer"
)

// errorText turns an error into a message for the person at the till: the translated
// reason, followed by the technical detail, which is also in the log.
func errorText(err error) string {
	for _, m := range []struct {
		target error
		key    string
	}{
		{app.ErrWalletInDoubt, "err.wallet.in_doubt"},
		{app.ErrNotRecorded, "err.journal"},
		{wallet.ErrMalformedCode, "err.wallet.malformed"},
		{wallet.ErrUnknownCode, "err.wallet.unknown"},
		{app.ErrWalletUnionPay, "err.wallet.unionpay"},
		{app.ErrMerchantQROff, "err.unionpay.mpm_off"},
		{app.ErrWalletOff, "err.wallet.off"},
		{app.ErrWalletUnresolved, "err.wallet.unresolved"},
		{app.ErrWalletDeclined, "err.wallet.declined"},
		{app.ErrWalletCancelled, "err.wallet.cancelled"},
		{app.ErrWalletTimedOut, "err.wallet.timed_out"},
		{app.ErrWalletPending, "err.wallet.pending"},
		{catalog.ErrCheckDigit, "err.check_digit"},
		{catalog.ErrNotFound, "err.unknown_code"},
		{catalog.ErrBadCode, "err.bad_code"},
		{sale.ErrQuantity, "err.quantity"},
		{sale.ErrDiscount, "err.discount"},
		{sale.ErrEmpty, "err.empty"},
		{sale.ErrPaying, "err.paying"},
		{sale.ErrUnderpaid, "err.underpaid"},
		{sale.ErrBadPayment, "err.amount"},
		{money.ErrSyntax, "err.amount"},
		{money.ErrRange, "err.amount"},
		{app.ErrSaleInProgress, "err.in_progress"},
		{errNoLine, "err.no_line"},
		{errNoReceipt, "err.no_receipt"},
		{errScanIgnored, "err.scan_ignored"},
		{errTapIgnored, "err.tap_ignored"},
		{errNoSettings, "err.no_settings"},
		{errNotSignedOn, "err.not_signed_on"},
		{app.ErrNoShift, "shift.err.none"},
		{app.ErrDeregistered, "err.deregistered"},
		{app.ErrNotRegistered, "err.not_registered"},
		{sale.ErrPrice, "err.price"},
		{sale.ErrPaidOver, "err.paid_over"},
		{app.ErrNoReversal, "err.no_reversal"},
		{app.ErrDeregistering, "err.deregistering"},
		{app.ErrNoPrinter, "msg.no_printer"},
		{printer.ErrPaperOut, "err.paper_out"},
		{printer.ErrCoverOpen, "err.cover_open"},
		{printer.ErrFault, "err.printer_fault"},
		{printer.ErrOffline, "err.printer_offline"},
		{devices.ErrUnplugged, "err.device_unplugged"},
		{devices.ErrBusy, "err.device_busy"},
		{devices.ErrNotFound, "err.device_missing"},
		{devices.ErrPermission, "err.device_permission"},
		{devices.ErrTimeout, "err.device_timeout"},
		{devices.ErrProtocol, "err.device_protocol"},
		{app.ErrPrepaidOff, "err.prepaid.off"},
		{app.ErrPrepaidUnresolved, "err.prepaid.unresolved"},
		{app.ErrPINNeeded, "err.prepaid.pin_needed"},
		{app.ErrTopUpWithCard, "err.prepaid.sold_with_card"},
		{app.ErrPrepaidLineRefund, "err.prepaid.line_refund"},
		{errPrepaidLineFixed, "err.prepaid.line_fixed"},
		{prepaid.ErrUnknownCard, "err.prepaid.unknown"},
		{prepaid.ErrBadNumber, "err.prepaid.bad_number"},
		{prepaid.ErrBadQR, "err.prepaid.bad_qr"},
		{prepaid.ErrBadUID, "err.prepaid.bad_uid"},
		{prepaid.ErrWrongPIN, "err.prepaid.wrong_pin"},
		{prepaid.ErrPINLocked, "err.prepaid.pin_locked"},
		{prepaid.ErrNoPIN, "err.prepaid.no_pin"},
		{prepaid.ErrFrozen, "err.prepaid.frozen"},
		{prepaid.ErrExpired, "err.prepaid.expired"},
		{prepaid.ErrInsufficient, "err.prepaid.insufficient"},
		{prepaid.ErrOverLimit, "err.prepaid.over_limit"},
		{prepaid.ErrBadAmount, "err.amount"},
		{prepaid.ErrBadRequest, "err.prepaid.bad_request"},
		{prepaid.ErrCardExists, "err.prepaid.exists"},
		{prepaid.ErrUIDTaken, "err.prepaid.uid_taken"},
		{prepaid.ErrWrongStatus, "err.prepaid.wrong_status"},
		{prepaid.ErrOverRefund, "err.prepaid.over_refund"},
		{prepaid.ErrInconsistent, "err.prepaid.inconsistent"},
	} {
		if errors.Is(err, m.target) {
			return tr(m.key) + "\n" + err.Error()
		}
	}
	if key := app.CardErrorKey(err); key != "card.err.other" { // card payments' and the bank's reasons
		return tr(key) + "\n" + err.Error()
	}
	return tr("err.other") + "\n" + err.Error()
}
