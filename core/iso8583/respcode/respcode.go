// Package respcode interprets DE39 response codes for the till: what a code means,
// what the terminal must do (approve, decline, retry, keep the card, sign on again)
// and whether it must reverse. The cashier's zh/en texts belong to the UI, which
// looks them up by each code's stable Key.
//
// Meanings follow the China UnionPay POS response-code table (应答码表), as printed
// in the normative appendix "对应答码的处理" that sorts codes into classes A (approved),
// B (failed, may retry), C (failed, do not retry), D (failed, operator acts: keep the
// card) and E (failed, system fault); published copies: max.book118.com/html/2017/
// 0627/118519453.shtm ("POS机对应答码处理", the classes), apropertymanagementcompany.com
// /single/2.html and m.casasmayor.com/22558.html (codes 00-25 with their classes, and
// "77: sign on again"), and the POS code dictionary with measures for every code in
// a public SQL dump (ss_dicdata "PosErr": 33-38/41/43 "操作员可以没收", 91/92 "可重作",
// 94/99/A0 "可重新签到作交易").
package respcode

// Action is what the terminal does on a response code.
type Action uint8

// Actions.
const (
	// Decline: the transaction failed; do not retry it as is (class C and E).
	Decline Action = iota
	// Approve: the transaction succeeded (class A).
	Approve
	// Retry: a transient failure; the same transaction may be sent again (class B).
	Retry
	// Capture: declined, and the operator should keep the card (class D).
	Capture
	// SignOn: declined because the terminal's session is out of step (batch, keys,
	// MAC): sign on again, then retry.
	SignOn
)

// String names the action.
func (a Action) String() string {
	switch a {
	case Approve:
		return "approve"
	case Retry:
		return "retry"
	case Capture:
		return "capture"
	case SignOn:
		return "sign-on"
	}
	return "decline"
}

// Code is the interpretation of one DE39 value.
type Code struct {
	// Code is the two-character DE39 value.
	Code string
	// Key is a stable message key for the UI's translations ("resp.insufficient_funds").
	Key string
	// Meaning is the table's meaning in English, for logs and the journal.
	Meaning string
	// Action is what the terminal does.
	Action Action
	// Reverse: the outcome at the issuer is uncertain or unwanted (an approval the
	// till does not take), so the terminal sends a reversal. Tilldesk's policy: a
	// reversal of a transaction the issuer never approved is harmless, a missed one
	// charges the customer.
	Reverse bool
}

// Approved reports whether the code approves the transaction.
func (c Code) Approved() bool { return c.Action == Approve }

// UnknownKey is the Key of codes the table does not list; they decline.
const UnknownKey = "resp.unknown"

// Lookup interprets a DE39 value. A code the table does not list declines, as the
// UnionPay appendix requires ("交易失败").
func Lookup(code string) Code {
	if c, ok := table[code]; ok {
		return c
	}
	return Code{Code: code, Key: UnknownKey, Meaning: "unknown response code", Action: Decline}
}

// Codes lists every code the table knows, for the UI's translation catalogue.
func Codes() []Code {
	out := make([]Code, 0, len(table))
	for _, c := range table {
		out = append(out, c)
	}
	return out
}

// table holds the known codes by DE39 value.
var table = index([]Code{
	{"00", "resp.approved", "approved or completed successfully", Approve, false},
	{"01", "resp.refer_to_issuer", "refer to card issuer", Decline, false},
	{"02", "resp.refer_to_issuer_special", "refer to card issuer, special condition", Decline, false},
	{"03", "resp.invalid_merchant", "invalid merchant", Decline, false},
	{"04", "resp.pick_up", "pick up card", Capture, false},
	{"05", "resp.do_not_honor", "do not honor", Decline, false},
	{"06", "resp.issuer_error", "error at the issuer", Decline, false},
	{"07", "resp.pick_up_special", "pick up card, special condition", Capture, false},
	{"09", "resp.in_progress", "request in progress", Retry, false},
	{"10", "resp.partial_approval", "approved for partial amount (not taken: reversed)", Decline, true},
	{"11", "resp.approved_vip", "approved (VIP)", Approve, false},
	{"12", "resp.invalid_transaction", "invalid transaction", Decline, false},
	{"13", "resp.invalid_amount", "invalid amount", Retry, false},
	{"14", "resp.invalid_card_number", "invalid card number", Retry, false},
	{"15", "resp.no_such_issuer", "no such issuer", Decline, false},
	{"19", "resp.reenter_transaction", "re-enter transaction", Decline, false},
	{"20", "resp.invalid_response", "invalid response", Decline, false},
	{"21", "resp.no_action_taken", "no action taken", Decline, false},
	{"22", "resp.suspected_malfunction", "suspected malfunction", Decline, false},
	{"23", "resp.unacceptable_fee", "unacceptable transaction fee", Decline, false},
	{"25", "resp.original_not_found", "unable to locate original transaction", Decline, false},
	{"30", "resp.format_error", "format error", Decline, false},
	{"31", "resp.bank_not_supported", "bank not supported by switch", Decline, false},
	{"33", "resp.expired_card_pick_up", "expired card, pick up", Capture, false},
	{"34", "resp.suspected_fraud_pick_up", "suspected fraud, pick up", Capture, false},
	{"35", "resp.contact_acquirer_security", "card acceptor contact acquirer security, pick up", Capture, false},
	{"36", "resp.restricted_card_pick_up", "restricted card, pick up", Capture, false},
	{"37", "resp.call_acquirer_security", "card acceptor call acquirer security, pick up", Capture, false},
	{"38", "resp.pin_tries_exceeded_pick_up", "allowable PIN tries exceeded, pick up", Capture, false},
	{"39", "resp.no_credit_account", "no credit account", Decline, false},
	{"40", "resp.function_not_supported", "requested function not supported", Decline, false},
	{"41", "resp.lost_card", "lost card, pick up", Capture, false},
	{"42", "resp.no_universal_account", "no such account", Decline, false},
	{"43", "resp.stolen_card", "stolen card, pick up", Capture, false},
	{"44", "resp.no_investment_account", "no investment account", Decline, false},
	{"45", "resp.fallback_not_allowed", "fallback transaction not allowed", Decline, false},
	{"51", "resp.insufficient_funds", "not sufficient funds", Decline, false},
	{"52", "resp.no_checking_account", "no checking account", Decline, false},
	{"53", "resp.no_savings_account", "no savings account", Decline, false},
	{"54", "resp.expired_card", "expired card", Decline, false},
	{"55", "resp.incorrect_pin", "incorrect PIN", Decline, false},
	{"56", "resp.no_card_record", "no card record", Decline, false},
	{"57", "resp.not_permitted_cardholder", "transaction not permitted to cardholder", Decline, false},
	{"58", "resp.not_permitted_terminal", "transaction not permitted to terminal", Decline, false},
	{"59", "resp.suspected_fraud", "suspected fraud", Decline, false},
	{"60", "resp.contact_acquirer", "card acceptor contact acquirer", Decline, false},
	{"61", "resp.amount_limit", "exceeds amount limit", Decline, false},
	{"62", "resp.restricted_card", "restricted card", Decline, false},
	{"63", "resp.security_violation", "security violation", Decline, false},
	{"64", "resp.original_amount_incorrect", "original amount incorrect", Decline, false},
	{"65", "resp.frequency_limit", "exceeds frequency limit", Decline, false},
	{"66", "resp.call_acquirer", "card acceptor call acquirer security", Decline, false},
	{"67", "resp.capture", "hard capture, pick up", Capture, false},
	{"68", "resp.response_too_late", "response received too late", Decline, true},
	{"75", "resp.pin_tries_exceeded", "allowable number of PIN tries exceeded", Decline, false},
	{"77", "resp.batch_mismatch", "batch out of step with the host: sign on again", SignOn, false},
	{"79", "resp.offline_out_of_balance", "offline transactions out of balance", Decline, false},
	{"89", "resp.security_processing_failed", "security processing failed", Decline, false},
	{"90", "resp.cutoff_in_progress", "cutoff in progress", Retry, false},
	{"91", "resp.issuer_inoperative", "issuer or switch inoperative", Retry, false},
	{"92", "resp.destination_unreachable", "financial institution or network cannot be reached", Retry, false},
	{"93", "resp.violation_of_law", "transaction cannot be completed, violation of law", Decline, false},
	{"94", "resp.duplicate_transaction", "duplicate transmission", SignOn, false},
	{"95", "resp.reconcile_error", "reconcile error", Decline, false},
	{"96", "resp.system_malfunction", "system malfunction", Decline, false},
	{"97", "resp.terminal_not_registered", "terminal not registered", Decline, false},
	{"98", "resp.issuer_no_response", "no answer from the issuer", Decline, true},
	{"99", "resp.pin_format_error", "PIN format error: sign on again", SignOn, false},
	{"A0", "resp.mac_error", "MAC check failed: sign on again", SignOn, false},
})

// index builds the lookup map of a table.
func index(codes []Code) map[string]Code {
	m := make(map[string]Code, len(codes))
	for _, c := range codes {
		m[c.Code] = c
	}
	return m
}
