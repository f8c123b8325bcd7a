// Package kernel is the terminal side of an EMV transaction: the contact flow of
// EMV Books 1, 3 and 4 (application selection, GET PROCESSING OPTIONS, READ RECORD,
// offline data authentication, processing restrictions, cardholder verification,
// terminal risk management, terminal and card action analysis, online processing,
// the second GENERATE AC and issuer scripts) and two contactless paths (a qVSDC-style
// path for Visa-like cards and a Mastercard-style path with CDA and on-device CVM),
// with the TVR (95) and TSI (9B) kept throughout.
//
// The kernel is pure Go. It talks to the card through Card (one method, Transmit,
// which *pcsc.Card and the serial reader adapter both satisfy), to the PIN pad
// through PINPad (which returns only an enciphered PIN block and its KSN: no clear
// PIN ever reaches the kernel) and to the acquirer through Host. The clock and the
// source of randomness (unpredictable numbers, random transaction selection) are
// injected, so every step is reproducible in tests.
//
// One file per EMV step, as in openemv/emv-utils:
//
//	apdu.go          ISO 7816-4 commands, T=0 61xx/6Cxx handling, status words
//	tvr.go           the TVR and TSI bits
//	config.go        terminal configuration: AIDs, TACs, limits, CAPKs
//	data.go          the data elements of one transaction (card and terminal)
//	selection.go     PSE, list of AIDs, candidate list, cardholder choice, PPSE
//	initiate.go      PDOL, GET PROCESSING OPTIONS, AIP and AFL
//	records.go       READ RECORD per AFL, static data to be authenticated
//	certificates.go  CA public keys, issuer and ICC certificate recovery
//	oda.go           SDA, DDA and CDA
//	restrictions.go  application version, usage control, dates
//	cvm.go           CVM list evaluation, PIN, signature, no CVM, CDCVM
//	risk.go          floor limit, random selection, velocity checking
//	actions.go       terminal action analysis and GENERATE AC
//	online.go        online processing, issuer authentication, second GENERATE AC
//	scripts.go       issuer script processing (71/72) and 9F5B
//	contactless.go   PPSE path, qVSDC-style and Mastercard-style kernels
//	result.go        the outcome, DE55 lists, masked card data, receipt fields
//	kernel.go        the flow that ties the steps together
//
// Nothing here logs. Card data in the Result is masked in every printed form; the
// clear PAN and track 2 equivalent data are reachable only through
// Result.AuthorisationCardData, for the authorisation message.
package kernel
