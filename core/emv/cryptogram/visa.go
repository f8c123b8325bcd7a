package cryptogram

// TransactionData is the data EMV Book 2 8.1.1 recommends for an application
// cryptogram, in its order; the Visa cryptogram versions below use it as it is.
type TransactionData struct {
	AmountAuthorised        [6]byte // 9F02
	AmountOther             [6]byte // 9F03
	TerminalCountryCode     [2]byte // 9F1A
	TVR                     [5]byte // 95
	TransactionCurrencyCode [2]byte // 5F2A
	TransactionDate         [3]byte // 9A
	TransactionType         byte    // 9C
	UnpredictableNumber     [4]byte // 9F37
	AIP                     [2]byte // 82
	ATC                     [2]byte // 9F36
}

// Bytes concatenates the elements in order (33 bytes).
func (d TransactionData) Bytes() []byte {
	out := make([]byte, 0, 33)
	out = append(out, d.AmountAuthorised[:]...)
	out = append(out, d.AmountOther[:]...)
	out = append(out, d.TerminalCountryCode[:]...)
	out = append(out, d.TVR[:]...)
	out = append(out, d.TransactionCurrencyCode[:]...)
	out = append(out, d.TransactionDate[:]...)
	out = append(out, d.TransactionType)
	out = append(out, d.UnpredictableNumber[:]...)
	out = append(out, d.AIP[:]...)
	return append(out, d.ATC[:]...)
}

// VisaCVN10Cryptogram is the application cryptogram of Visa cryptogram version 10:
// no session key (the card's master key, option A, is used directly), the
// transaction data followed by the 4-byte card verification results (bytes 4 to 7 of
// the issuer application data), padding method 1.
func VisaCVN10Cryptogram(iccMasterKey [16]byte, d TransactionData, cvr [4]byte) [8]byte {
	ac, _ := GenerateAC(iccMasterKey, append(d.Bytes(), cvr[:]...), PaddingMethod1) // padding is valid
	return ac
}

// VisaCVN10ARPC is the response cryptogram of CVN 10: method 1 under the master key.
func VisaCVN10ARPC(iccMasterKey [16]byte, arqc [8]byte, arc [2]byte) [8]byte {
	return ARPCMethod1(iccMasterKey, arqc, arc)
}

// VisaCVN18Cryptogram is the application cryptogram of Visa cryptogram version 18:
// the common session key from the master key (option B) with R = ATC || zeros, the
// transaction data followed by the whole issuer application data (9F10), padding
// method 2.
func VisaCVN18Cryptogram(iccMasterKey [16]byte, d TransactionData, issuerApplicationData []byte) [8]byte {
	sk := DeriveSessionKey(iccMasterKey, ATCDiversifier(d.ATC))
	defer clear(sk[:])
	ac, _ := GenerateAC(sk, append(d.Bytes(), issuerApplicationData...), PaddingMethod2) // padding is valid
	return ac
}

// VisaCVN18ARPC is the response cryptogram of CVN 18: method 2 under the session key
// of the transaction's ATC.
func VisaCVN18ARPC(iccMasterKey [16]byte, atc [2]byte, arqc [8]byte, csu [4]byte, proprietary []byte) ([4]byte, error) {
	sk := DeriveSessionKey(iccMasterKey, ATCDiversifier(atc))
	defer clear(sk[:])
	return ARPCMethod2(sk, arqc, csu, proprietary)
}
