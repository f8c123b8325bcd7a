package escpos

// The command parsers of the Decoder. Each takes b starting at the command's first
// byte and returns the bytes the command uses, or ok false when b ends inside it.
// Lengths follow the Epson ESC/POS reference.

// escLength is the length of fixed-length ESC commands the Decoder does not act on.
var escLength = map[byte]int{
	0x0c: 2, '<': 2, 'L': 2, 'S': 2, 'v': 2, '2': 2, // page mode, return home, status, default spacing
	' ': 3, '%': 3, '-': 3, '3': 3, '=': 3, '?': 3, 'G': 3, 'K': 3, 'M': 3,
	'R': 3, 'T': 3, 'U': 3, 'V': 3, 'e': 3, 'r': 3, 't': 3, 'u': 3, '{': 3,
	'$': 4, '\\': 4, 'c': 4, 'f': 4, // positions; ESC c 3/4/5 n; slip wait
	'W': 10, // ESC W xL xH yL yH dxL dxH dyL dyH
}

// gsLength is the same for GS.
var gsLength = map[byte]int{
	':': 2,
	'B': 3, 'E': 3, 'H': 3, 'I': 3, 'J': 3, 'T': 3, 'a': 3, 'b': 3, 'f': 3, 'h': 3, 'j': 3, 'r': 3, 'w': 3, '/': 3,
	'$': 4, 'L': 4, 'P': 4, 'W': 4, '\\': 4,
	'^': 5,
}

// fsLength is the same for FS.
var fsLength = map[byte]int{
	'!': 3, '-': 3, 'C': 3, 'W': 3,
	'?': 4, 'S': 4, 'p': 4,
	'2': kanjiBytes,
}

// need returns n when b holds n bytes, else asks for more.
func need(b []byte, n int) (int, bool) { return n, len(b) >= n }

// unknown skips an unknown two-byte escape.
func unknown(b []byte) (int, bool) { return need(b, 2) }

func (d *Decoder) dle(b []byte) (int, bool) {
	if len(b) < 2 {
		return 0, false
	}
	switch b[1] {
	case EOT: // DLE EOT n; n = 7, 8, 18 take one more byte (a)
		if len(b) < 3 {
			return 0, false
		}
		switch n := b[2]; n {
		case 1, 2, 3, 4:
			d.statusRequest(StatusKind(n))
		case 7, 8, 18:
			return need(b, 4)
		}
		return 3, true
	case 0x05: // DLE ENQ n: recover from error
		return need(b, 3)
	case 0x14: // DLE DC4 fn ...: fn 1 pulse (m t), 2 power off (1 8), 8 clear buffer (7 bytes)
		if len(b) < 3 {
			return 0, false
		}
		switch b[2] {
		case 1:
			if len(b) < 5 {
				return 0, false
			}
			if pin, ok := pinOf(b[3]); ok && b[4] >= 1 && b[4] <= 8 {
				t := ms(int(b[4]), realtimePulseUnit)
				d.kick(DrawerKick{Pin: pin, On: t, Off: t})
			}
			return 5, true
		case 2:
			return need(b, 5)
		case 8:
			return need(b, 10)
		}
		return 3, true
	}
	return 1, true // a lone DLE
}

func (d *Decoder) esc(b []byte) (int, bool) {
	if len(b) < 2 {
		return 0, false
	}
	c := b[1]
	if n, ok := escLength[c]; ok {
		return need(b, n)
	}
	switch c {
	case '@':
		d.reset()
		return 2, true
	case 'i', 'm': // old partial cut commands
		d.cut(CutPartial)
		return 2, true
	case 'D': // horizontal tabs: n1...nk NUL
		return untilNUL(b, 2, maxTabs+1)
	case '*': // bit image: m nL nH d1...dk, k = n or 3n by density
		if len(b) < 5 {
			return 0, false
		}
		n := int(b[3]) + int(b[4])<<8
		if b[2] == 32 || b[2] == 33 {
			n *= 3
		}
		return d.skipData(5, n)
	case '&': // user-defined characters: y c1 c2 then per character x and y×x bytes
		return userChars(b)
	}
	if len(b) < 3 {
		return 0, false
	}
	switch c {
	case 'E':
		d.mode.style.Bold = b[2]&1 == 1
	case '!': // print mode: bit 3 emphasised, 4 double height, 5 double width
		d.mode.style = Style{Bold: b[2]&0x08 != 0, Height: 1 + int(b[2]>>4&1), Width: 1 + int(b[2]>>5&1)}
	case 'a':
		d.mode.align = alignOf(b[2])
	case 'd':
		d.printAndFeed(int(b[2]))
	case 'J': // print and feed n dots: prints the line, the dots are not modelled
		if d.line.open {
			d.endLine()
		}
	case 'p': // pulse: m t1 t2
		if len(b) < 5 {
			return 0, false
		}
		if pin, ok := pinOf(b[2]); ok {
			d.kick(DrawerKick{Pin: pin, On: ms(int(b[3]), pulseUnit), Off: ms(int(b[4]), pulseUnit)})
		}
		return 5, true
	default:
		return unknown(b)
	}
	return 3, true
}

func (d *Decoder) fs(b []byte) (int, bool) {
	if len(b) < 2 {
		return 0, false
	}
	switch b[1] {
	case '&':
		d.mode.chinese = true
		return 2, true
	case '.':
		d.mode.chinese = false
		return 2, true
	}
	if n, ok := fsLength[b[1]]; ok {
		return need(b, n)
	}
	return unknown(b)
}

func (d *Decoder) gs(b []byte) (int, bool) {
	if len(b) < 2 {
		return 0, false
	}
	if n, ok := gsLength[b[1]]; ok {
		return need(b, n)
	}
	switch b[1] {
	case '!': // character size: bits 4-6 width-1, 0-2 height-1
		if len(b) < 3 {
			return 0, false
		}
		d.mode.style.Width = 1 + int(b[2]>>4&7)
		d.mode.style.Height = 1 + int(b[2]&7)
		return 3, true
	case 'V':
		return d.cutCommand(b)
	case '(': // GS ( fn pL pH data
		if len(b) < 5 {
			return 0, false
		}
		n := int(b[3]) + int(b[4])<<8
		if b[2] != 'k' {
			return d.skipData(5, n)
		}
		if len(b) < 5+n {
			return 0, false
		}
		d.qrFunction(b[5 : 5+n])
		return 5 + n, true
	case '8': // GS 8 L / GS 8 k: p1 p2 p3 p4 (32-bit length) fn data
		if len(b) < 7 {
			return 0, false
		}
		n := int(b[3]) | int(b[4])<<8 | int(b[5])<<16 | int(b[6])<<24
		return d.skipData(7, n)
	case 'v':
		return d.rasterCommand(b)
	case 'k': // barcode: m 0-6 data NUL; m 65-79 n data
		if len(b) < 3 {
			return 0, false
		}
		switch m := b[2]; {
		case m <= 6:
			return untilNUL(b, 3, maxBarcodeData+1)
		case m >= 65 && m <= 79:
			if len(b) < 4 {
				return 0, false
			}
			return d.skipData(4, int(b[3]))
		}
		return 3, true
	case '*': // define downloaded bit image: x y d1...d(x×y×8)
		if len(b) < 4 {
			return 0, false
		}
		return d.skipData(4, int(b[2])*int(b[3])*8)
	}
	return unknown(b)
}

// cutCommand is GS V m (m = 0, 48 full; 1, 49 partial) or GS V m n (m = 65, 97, 103
// full; 66, 98, 104 partial, after feeding).
func (d *Decoder) cutCommand(b []byte) (int, bool) {
	if len(b) < 3 {
		return 0, false
	}
	switch b[2] {
	case 0, 48:
		d.cut(CutFull)
	case 1, 49:
		d.cut(CutPartial)
	case 65, 97, 103:
		if len(b) < 4 {
			return 0, false
		}
		d.cut(CutFull)
		return 4, true
	case 66, 98, 104:
		if len(b) < 4 {
			return 0, false
		}
		d.cut(CutPartial)
		return 4, true
	}
	return 3, true
}

// rasterCommand is GS v 0 m xL xH yL yH d1...dk, k = (xL + xH×256) × (yL + yH×256).
// Images beyond the paper or maxRasterRows tall are skipped, not kept.
func (d *Decoder) rasterCommand(b []byte) (int, bool) {
	if len(b) < 3 {
		return 0, false
	}
	if b[2] != '0' {
		return unknown(b)
	}
	if len(b) < 8 {
		return 0, false
	}
	m := b[3]
	x, y := int(b[4])|int(b[5])<<8, int(b[6])|int(b[7])<<8
	if x > maxRasterRowBytes || y > maxRasterRows || x == 0 || y == 0 || m&^0x33 != 0 {
		return d.skipData(8, x*y)
	}
	if len(b) < 8+x*y {
		return 0, false
	}
	d.raster(m, x, y, b[8:8+x*y])
	return 8 + x*y, true
}

// skipData uses a header of n bytes and drops the data bytes that follow, whether or
// not they have arrived yet.
func (d *Decoder) skipData(header, data int) (int, bool) {
	d.skip = data
	return header, true
}

// untilNUL uses b up to and including the first NUL at or after start, or just start
// bytes when no NUL comes within limit bytes.
func untilNUL(b []byte, start, limit int) (int, bool) {
	for i := start; i < len(b) && i < start+limit; i++ {
		if b[i] == 0 {
			return i + 1, true
		}
	}
	if len(b) < start+limit {
		return 0, false
	}
	return start, true
}

// userChars is ESC & y c1 c2 [x d1...d(y×x)]...: character patterns for c1 to c2.
func userChars(b []byte) (int, bool) {
	if len(b) < 5 {
		return 0, false
	}
	y, c1, c2 := int(b[2]), int(b[3]), int(b[4])
	if c2 < c1 || y > 3 { // out of range: the printer ignores the header alone
		return 5, true
	}
	i := 5
	for range c2 - c1 + 1 {
		if len(b) <= i {
			return 0, false
		}
		i += 1 + y*int(b[i])
	}
	return need(b, i)
}
