package emvcard

import (
	"slices"

	"tilldesk/core/emv/issuer"
)

// Data object lists and CVM lists the profiles share.
var (
	// cdol1EMV: the recommended cryptogram data, then terminal type, data
	// authentication code, ICC dynamic number and CVM results (Visa/M/Chip style).
	cdol1EMV = []byte{0x9F, 0x02, 0x06, 0x9F, 0x03, 0x06, 0x9F, 0x1A, 0x02, 0x95, 0x05, 0x5F, 0x2A, 0x02,
		0x9A, 0x03, 0x9C, 0x01, 0x9F, 0x37, 0x04, 0x9F, 0x35, 0x01, 0x9F, 0x45, 0x02, 0x9F, 0x4C, 0x08, 0x9F, 0x34, 0x03}
	// cdol1PBOC: the recommended data, then transaction time and merchant name.
	cdol1PBOC = []byte{0x9F, 0x02, 0x06, 0x9F, 0x03, 0x06, 0x9F, 0x1A, 0x02, 0x95, 0x05, 0x5F, 0x2A, 0x02,
		0x9A, 0x03, 0x9C, 0x01, 0x9F, 0x37, 0x04, 0x9F, 0x21, 0x03, 0x9F, 0x4E, 0x14}
	// cdol2: the authorisation response code and the recommended data again.
	cdol2 = []byte{0x8A, 0x02, 0x9F, 0x02, 0x06, 0x9F, 0x03, 0x06, 0x9F, 0x1A, 0x02, 0x95, 0x05, 0x5F, 0x2A, 0x02,
		0x9A, 0x03, 0x9C, 0x01, 0x9F, 0x37, 0x04}
	ddol = []byte{0x9F, 0x37, 0x04}
	// pdolQuick: the TTQ and the cryptogram data, for qVSDC/qPBOC-style taps.
	pdolQuick = []byte{0x9F, 0x66, 0x04, 0x9F, 0x02, 0x06, 0x9F, 0x03, 0x06, 0x9F, 0x1A, 0x02, 0x95, 0x05,
		0x5F, 0x2A, 0x02, 0x9A, 0x03, 0x9C, 0x01, 0x9F, 0x37, 0x04}
	// pdolPBOC: the electronic cash terminal indicator, amount and currency.
	pdolPBOC = []byte{0x9F, 0x7A, 0x01, 0x9F, 0x02, 0x06, 0x5F, 0x2A, 0x02}

	noAmounts = []byte{0, 0, 0, 0, 0, 0, 0, 0} // CVM list amounts X and Y
	// CVM rules: online PIN, then signature, then no CVM, each "if the terminal
	// supports it" (condition 03), continuing to the next on failure (bit 7).
	cvmOnlinePINSignature = slices.Concat(noAmounts, []byte{0x42, 0x03, 0x5E, 0x03, 0x1F, 0x03})
	// ... and offline plaintext PIN after online PIN.
	cvmOnlinePINOfflinePIN = slices.Concat(noAmounts, []byte{0x42, 0x03, 0x41, 0x03, 0x5E, 0x03, 0x1F, 0x03})
	cvmSignature           = slices.Concat(noAmounts, []byte{0x5E, 0x03, 0x1F, 0x03})
)

// Issuer action codes: default and online on ODA failures, missing data, exception
// file, expiry, floor and velocity limits and forced online; denial on "service not
// allowed" (and expiry for the expired card).
var (
	iacDefault = [5]byte{0xDC, 0x40, 0x00, 0xA8, 0x00}
	iacDenial  = [5]byte{0x00, 0x10, 0x00, 0x00, 0x00}
	iacOnline  = [5]byte{0xDC, 0x40, 0x04, 0xF8, 0x00}
)

var (
	aidUnionPay   = []byte{0xA0, 0x00, 0x00, 0x03, 0x33, 0x01, 0x01, 0x01}
	aidVisa       = []byte{0xA0, 0x00, 0x00, 0x00, 0x03, 0x10, 0x10}
	aidMastercard = []byte{0xA0, 0x00, 0x00, 0x00, 0x04, 0x10, 0x10}
)

var cny = [2]byte{0x01, 0x56}

// newApp is an application with what the profiles share: both interfaces, PSN 01,
// valid 2023 to 2033, three PIN tries, the EMV CDOLs, issuer action codes that send
// problems online, valid everywhere, CNY in China, five offline transactions in a row
// at most.
func newApp(aid []byte, label, issuerName string, scheme issuer.Scheme, accountNumber, name, pin string, iccKey int) Application {
	return Application{
		AID: aid, Label: label, Priority: 1, Contact: true, Contactless: true,
		Issuer: issuerName, ICCKey: iccKey, Scheme: scheme, DKI: 0x01,
		PAN: accountNumber, PANSequence: "01", Expiry: "331231", Effective: "230101", CardholderName: name,
		ServiceCode: "201", PIN: pin, PINTryLimit: 3,
		CDOL1: cdol1EMV, CDOL2: cdol2, DDOL: ddol,
		IACDefault: iacDefault, IACDenial: iacDenial, IACOnline: iacOnline,
		UsageControl: [2]byte{0xFF, 0x00}, Currency: cny, Country: cny,
		LowerOfflineLimit: 5, UpperOfflineLimit: 10,
	}
}

// unionPayApp is a UnionPay PBOC debit application: DDA, online PIN, qPBOC taps that
// approve up to 300 CNY offline.
func unionPayApp(accountNumber, name, pin string, iccKey int) Application {
	a := newApp(aidUnionPay, "UnionPay Debit", "unionpay", issuer.UnionPayCVN01, accountNumber, name, pin, iccKey)
	a.PreferredName, a.ServiceCode, a.Version = "银联借记卡", "220", [2]byte{0x00, 0x30}
	a.AIP, a.ContactlessAIP = [2]byte{0x7C, 0x00}, [2]byte{0x7C, 0x00}
	a.QuickContactless, a.OfflineContactlessLimit = true, 30000
	a.PDOL, a.ContactlessPDOL, a.CDOL1 = pdolPBOC, pdolQuick, cdol1PBOC
	a.CVMList = cvmOnlinePINSignature
	a.IACDefault, a.IACOnline = [5]byte{0xD8, 0x40, 0x00, 0xA8, 0x00}, [5]byte{0xD8, 0x40, 0x04, 0xF8, 0x00}
	return a
}

// visaApp is a Visa-like credit application: CVN 18, DDA, format 1 responses, qVSDC
// taps with fDDA that always go online.
func visaApp(accountNumber, name, pin string, iccKey int) Application {
	a := newApp(aidVisa, "VISA CREDIT", "visa", issuer.VisaCVN18, accountNumber, name, pin, iccKey)
	a.Priority, a.Version = 2, [2]byte{0x00, 0x96}
	a.AIP, a.ContactlessAIP, a.ResponseFormat1 = [2]byte{0x3C, 0x00}, [2]byte{0x3C, 0x00}, true
	a.QuickContactless, a.ContactlessPDOL = true, pdolQuick
	a.CVMList = cvmOnlinePINOfflinePIN
	return a
}

// mastercardApp is a Mastercard-like debit application: EMV common session key, CDA,
// M/Chip-style taps (EMV mode, CDA, no second GENERATE AC).
func mastercardApp(accountNumber, name, pin string, iccKey int) Application {
	a := newApp(aidMastercard, "MASTERCARD", "mastercard", issuer.MastercardCSK, accountNumber, name, pin, iccKey)
	a.PANSequence, a.Version = "00", [2]byte{0x00, 0x02}
	a.AIP, a.ContactlessAIP = [2]byte{0x3D, 0x00}, [2]byte{0x3D, 0x80}
	a.CVMList, a.IACDenial = cvmOnlinePINSignature, [5]byte{}
	return a
}

// Profiles are the built-in virtual cards, fresh copies each call.
func Profiles() []*Profile {
	wallet := visaApp("4999990000000031", "CHEN/QI", "0000", 1)
	wallet.Label, wallet.PreferredName, wallet.Contact = "VISA", "Phone Pay", false
	wallet.ContactlessAIP = [2]byte{0x22, 0x80} // DDA, on-device cardholder verification, EMV mode
	wallet.ConsumerDeviceCVM = true

	expired := visaApp("4999990000000056", "LIU/BA", "1234", 2)
	expired.Expiry, expired.Effective = "231231", "201201"
	expired.IACDenial = [5]byte{0x00, 0x50, 0x00, 0x00, 0x00} // expired or service not allowed: decline

	declining := mastercardApp("5599990000000065", "SUN/JIU", "4321", 1)
	declining.AlwaysDecline = true

	tampered := unionPayApp("6299990000000000079", "ZHOU/SHI", "123456", 1)
	tampered.Tamper = true

	signature := visaApp("4999990000000080", "WU/YI", "1234", -1)
	signature.Scheme = issuer.VisaCVN10
	signature.AIP, signature.ContactlessAIP = [2]byte{0x5C, 0x00}, [2]byte{0x5C, 0x00} // SDA only
	signature.CVMList, signature.Contactless, signature.QuickContactless = cvmSignature, false, false

	coUnionPay := unionPayApp("6299990000000000095", "ZHENG/YI", "112233", 2)
	coVisa := visaApp("4999990000000098", "ZHENG/YI", "112233", 3)
	coVisa.Priority = 2

	return []*Profile{
		{Name: "unionpay", Description: "UnionPay PBOC debit card: DDA, online PIN, qPBOC tap", Contact: true, Contactless: true,
			Applications: []Application{unionPayApp("6299990000000000012", "ZHANG/SAN", "123456", 0)}},
		{Name: "visa", Description: "Visa-like credit card: CVN 18, DDA, online or offline PIN, qVSDC tap with fDDA", Contact: true, Contactless: true,
			Applications: []Application{visaApp("4999990000000015", "LI/SI", "1234", 0)}},
		{Name: "mastercard", Description: "Mastercard-like debit card: common session keys, CDA, M/Chip-style tap", Contact: true, Contactless: true,
			Applications: []Application{mastercardApp("5599990000000024", "WANG/WU", "4321", 0)}},
		{Name: "wallet", Description: "Phone wallet: contactless only, the phone verifies the person (CDCVM)", Contactless: true,
			Applications: []Application{wallet}},
		{Name: "expired", Description: "Visa-like card that expired at the end of 2023", Contact: true, Contactless: true,
			Applications: []Application{expired}},
		{Name: "declining", Description: "Mastercard-like card that declines offline (AAC)", Contact: true, Contactless: true,
			Applications: []Application{declining}},
		{Name: "tampered", Description: "UnionPay card whose signed data was altered: SDA and DDA fail", Contact: true, Contactless: true,
			Applications: []Application{tampered}},
		{Name: "signature", Description: "Visa-like CVN 10 card with SDA only that asks for a signature", Contact: true,
			Applications: []Application{signature}},
		{Name: "cobadged", Description: "UnionPay and Visa-like applications on one card: the cardholder chooses", Contact: true, Contactless: true,
			Applications: []Application{coUnionPay, coVisa}},
	}
}

// Lookup finds a built-in profile by name.
func Lookup(name string) (*Profile, bool) {
	for _, p := range Profiles() {
		if p.Name == name {
			return p, true
		}
	}
	return nil, false
}
