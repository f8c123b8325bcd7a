package iso8583

// fieldDef is one row of a specification table; the table's encoding is applied to
// every row by defineFields.
type fieldDef struct {
	n     int
	name  string
	typ   DataType
	kind  LengthKind
	max   int
	align Align
}

// defineFields turns table rows into field specs whose digits and length prefixes
// are all written in enc. Later tables override earlier ones field by field.
func defineFields(enc Encoding, tables ...[]fieldDef) map[int]FieldSpec {
	fields := make(map[int]FieldSpec)
	for _, rows := range tables {
		for _, r := range rows {
			fields[r.n] = FieldSpec{Name: r.name, Type: r.typ, Length: r.kind, Max: r.max,
				Encoding: enc, LengthEncoding: enc, Align: r.align}
		}
	}
	return fields
}

// iso87Rows are ISO 8583:1987 elements whose format both tables below share (the
// UnionPay dialect keeps ISO's format for them); DE55 is binary in both.
var iso87Rows = []fieldDef{
	{3, "Processing code", Numeric, Fixed, 6, AlignRight},
	{4, "Amount, transaction", Numeric, Fixed, 12, AlignRight},
	{11, "System trace audit number", Numeric, Fixed, 6, AlignRight},
	{12, "Time, local transaction (hhmmss)", Numeric, Fixed, 6, AlignRight},
	{13, "Date, local transaction (MMDD)", Numeric, Fixed, 4, AlignRight},
	{14, "Date, expiration (YYMM)", Numeric, Fixed, 4, AlignRight},
	{15, "Date, settlement (MMDD)", Numeric, Fixed, 4, AlignRight},
	{23, "Card sequence number", Numeric, Fixed, 3, AlignRight},
	{25, "Point of service condition code", Numeric, Fixed, 2, AlignRight},
	{26, "Point of service PIN capture code", Numeric, Fixed, 2, AlignRight},
	{37, "Retrieval reference number", Alphanumeric, Fixed, 12, AlignRight},
	{38, "Authorization identification response", Alphanumeric, Fixed, 6, AlignRight},
	{39, "Response code", Alphanumeric, Fixed, 2, AlignRight},
	{41, "Card acceptor terminal identification", Text, Fixed, 8, AlignRight},
	{42, "Card acceptor identification code", Text, Fixed, 15, AlignRight},
	{43, "Card acceptor name/location", Text, Fixed, 40, AlignRight},
	{44, "Additional response data", Alphanumeric, LLVar, 25, AlignRight},
	{49, "Currency code, transaction", Alphanumeric, Fixed, 3, AlignRight},
	{52, "PIN data", Binary, Fixed, 8, AlignRight},
	{53, "Security related control information", Numeric, Fixed, 16, AlignRight},
	{55, "ICC system related data", Binary, LLLVar, 255, AlignRight},
	{64, "Message authentication code", Binary, Fixed, 8, AlignRight},
	{90, "Original data elements", Numeric, Fixed, 42, AlignRight},
	{128, "Message authentication code (secondary bitmap)", Binary, Fixed, 8, AlignRight},
}

// UnionPay is the China UnionPay POS terminal dialect (the "CUPS 8583" of 银联 POS
// 终端规范): BCD MTI, binary bitmap, n and z fields packed BCD with BCD LL/LLL
// prefixes (LL one byte, LLL two bytes), an/ans/b fields as bytes.
//
// Field formats follow the UnionPay POS message-field table as transcribed in the
// Wireshark dissector Gowos/Wireshark-8583-plugin (lua/Iso8583.lua, "中国银联" field
// list: N..19(LLVAR) for DE2, Z..37(LLVAR) DE35, Z...104(LLLVAR) DE36,
// N...322(LLLVAR) DE48, AN...020(LLLVAR) DE54, ANS...255(LLLVAR) DE55, N...17(LLLVAR)
// DE60, N...029(LLLVAR) DE61, ANS...512(LLLVAR) DE62, ANS...163(LLLVAR) DE63, B64
// DE64/DE128), and the "中国银联POS终端消息域说明" (2002) field chapters. Alignment:
// variable-length numbers, track data and DE22 are left-aligned ("左靠BCD"), other
// fixed numbers right-aligned, as the same field descriptions state (e.g. DE22 "压缩时
// 用左靠BCD码表示", DE23 "用右靠BCD码表示"); the published captures in the tests confirm
// DE22 (071 packed 07 10) and DE60 (19 digits packed left).
//
// Deviations, each seen in published captures: DE60 accepts 19 digits (the 17 of
// the table plus two later subfields, as in the cnblogs QR-payment capture); DE55 is
// binary (the ICC TLV bytes, counted in bytes); DE59 is ans...999 (a capture carries
// 153 bytes there); DE90 (n42, original data elements) is the ISO 8583:1987 element,
// for hosts that reverse the ISO way with a secondary bitmap and MAC in DE128.
var UnionPay = mustSpec("UnionPay POS", BCD, BinaryBitmap, defineFields(BCD, iso87Rows, []fieldDef{
	{2, "Primary account number", Numeric, LLVar, 19, AlignLeft},
	{22, "Point of service entry mode", Numeric, Fixed, 3, AlignLeft},
	{32, "Acquiring institution identification code", Numeric, LLVar, 11, AlignLeft},
	{35, "Track 2 data", Track, LLVar, 37, AlignLeft},
	{36, "Track 3 data", Track, LLLVar, 104, AlignLeft},
	{48, "Additional data, private", Numeric, LLLVar, 322, AlignLeft},
	{54, "Additional amounts (balance)", Alphanumeric, LLLVar, 20, AlignRight},
	{58, "PBOC electronic purse data", Text, LLLVar, 100, AlignRight},
	{59, "Reserved private", Text, LLLVar, 999, AlignRight},
	{60, "Reserved private (type code, batch, network code)", Numeric, LLLVar, 19, AlignLeft},
	{61, "Original message (batch, trace, date)", Numeric, LLLVar, 29, AlignLeft},
	{62, "Reserved private", Text, LLLVar, 512, AlignRight},
	{63, "Reserved private", Text, LLLVar, 163, AlignRight},
}))

// ISO87ASCII is ISO 8583:1987 written entirely in ASCII: ASCII MTI, hexadecimal
// bitmaps, n and z fields as ASCII digits, ASCII LL/LLL prefixes, binary fields as
// raw bytes. Field formats are the ISO 8583:1987 data elements (as tabulated in the
// Wikipedia "ISO 8583" article), with the lengths and the ASCII-prefixed raw binary
// DE52/DE55/DE64/DE128 of knovichikhin/pyiso8583's default_ascii specification
// (iso8583/specs.py). Only the elements a terminal meets are defined.
var ISO87ASCII = mustSpec("ISO 8583:1987 ASCII", ASCII, HexBitmap, defineFields(ASCII, iso87Rows, []fieldDef{
	{2, "Primary account number", Numeric, LLVar, 19, AlignRight},
	{5, "Amount, settlement", Numeric, Fixed, 12, AlignRight},
	{6, "Amount, cardholder billing", Numeric, Fixed, 12, AlignRight},
	{7, "Transmission date and time (MMDDhhmmss)", Numeric, Fixed, 10, AlignRight},
	{18, "Merchant type", Numeric, Fixed, 4, AlignRight},
	{21, "Forwarding institution country code", Numeric, Fixed, 3, AlignRight},
	{22, "Point of service entry mode", Numeric, Fixed, 3, AlignRight},
	{24, "Network international identifier", Numeric, Fixed, 3, AlignRight},
	{32, "Acquiring institution identification code", Numeric, LLVar, 11, AlignRight},
	{35, "Track 2 data", Track, LLVar, 37, AlignRight},
	{36, "Track 3 data", Track, LLLVar, 104, AlignRight},
	{48, "Additional data, private", Text, LLLVar, 999, AlignRight},
	{54, "Additional amounts", Alphanumeric, LLLVar, 120, AlignRight},
	{60, "Reserved national", Text, LLLVar, 999, AlignRight},
	{61, "Reserved private", Text, LLLVar, 999, AlignRight},
	{62, "Reserved private", Text, LLLVar, 999, AlignRight},
	{63, "Reserved private", Text, LLLVar, 999, AlignRight},
	{70, "Network management information code", Numeric, Fixed, 3, AlignRight},
	{102, "Account identification 1", Text, LLVar, 28, AlignRight},
}))
