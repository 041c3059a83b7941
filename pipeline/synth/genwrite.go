package synth

import (
	"bufio"
	"hash/fnv"
	"math"
	"math/bits"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	cal "tally/pipeline/date"
)

// ---------------------------------------------------------------------------
// Random streams. Every table has two: one for its rows' values and one for
// which rows are made bad and how (so changing BadRows moves no good value).
// Each is a PCG seeded with (seed, a constant of the table), so tables can
// be written by different goroutines and still come out the same.

type rng struct {
	src *rand.PCG
	r   *rand.Rand // for NormFloat64; shares src
}

func newRNG(seed uint64, stream string) rng {
	h := fnv.New64a()
	h.Write([]byte("tally/synth/" + stream))
	src := rand.NewPCG(seed, h.Sum64())
	return rng{src: src, r: rand.New(src)}
}

// intn is uniform in [0, n) for n > 0 (multiply-shift; the bias is below
// n/2^64).
func (g rng) intn(n int) int {
	hi, _ := bits.Mul64(g.src.Uint64(), uint64(n))
	return int(hi)
}

// int64n is intn for int64 counts.
func (g rng) int64n(n int64) int64 {
	hi, _ := bits.Mul64(g.src.Uint64(), uint64(n))
	return int64(hi)
}

// pct is true with the given chance in percent.
func (g rng) pct(p int) bool { return g.intn(100) < p }

// float is uniform in [0, 1).
func (g rng) float() float64 { return float64(g.src.Uint64()>>11) / (1 << 53) }

func (g rng) norm() float64 { return g.r.NormFloat64() }

// days is a uniform date in [from, to] (from when to < from).
func (g rng) days(from, to cal.Date) cal.Date {
	if to <= from {
		return from
	}
	return from + cal.Date(g.intn(int(to-from)+1))
}

// weighted picks an index with probability weights[i]/sum(weights).
func (g rng) weighted(weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := g.intn(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

// splitmix is a 64-bit mixer, for values that are a function of an index
// (a customer's usual solution).
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// aliasTable samples index i with probability w[i]/sum(w) in O(1) (Vose).
type aliasTable struct {
	prob  []float64
	alias []int32
}

func newAliasTable(w []float64) aliasTable {
	n := len(w)
	t := aliasTable{prob: make([]float64, n), alias: make([]int32, n)}
	sum := 0.0
	for _, x := range w {
		sum += x
	}
	scaled := make([]float64, n)
	var small, large []int32
	for i, x := range w {
		scaled[i] = x * float64(n) / sum
		if scaled[i] < 1 {
			small = append(small, int32(i))
		} else {
			large = append(large, int32(i))
		}
	}
	for len(small) > 0 && len(large) > 0 {
		s, l := small[len(small)-1], large[len(large)-1]
		small = small[:len(small)-1]
		t.prob[s], t.alias[s] = scaled[s], l
		scaled[l] -= 1 - scaled[s]
		if scaled[l] < 1 {
			large = large[:len(large)-1]
			small = append(small, l)
		}
	}
	for _, i := range large {
		t.prob[i], t.alias[i] = 1, i
	}
	for _, i := range small { // rounding leftovers
		t.prob[i], t.alias[i] = 1, i
	}
	return t
}

func (t *aliasTable) sample(g rng) int32 {
	i := g.intn(len(t.prob))
	if g.float() < t.prob[i] {
		return int32(i)
	}
	return t.alias[i]
}

// ---------------------------------------------------------------------------
// Bad rows.

// badKind is how a bad row breaks the contract; each is one reason code of
// the validator (tally/pipeline/extract).
type badKind uint8

const (
	okRow badKind = iota
	badDuplicateKey
	badUnknownPartner
	badNegativeTCV
	badUnknownLicenseType
	badDate
	badNoFXRate
	badUnknownValue
	badMissingValue
	badUnknownActivity
	badEndBeforeStart
	badCountry
	badBoolean
	badNonpositiveRate
	badDecimal
	numBadKinds
)

// reasonOf is the validator's reason code for each kind.
var reasonOf = [numBadKinds]string{
	okRow:                 "",
	badDuplicateKey:       "duplicate_key",
	badUnknownPartner:     "unknown_partner",
	badNegativeTCV:        "negative_tcv",
	badUnknownLicenseType: "unknown_license_type",
	badDate:               "bad_date",
	badNoFXRate:           "no_fx_rate",
	badUnknownValue:       "unknown_value",
	badMissingValue:       "missing_value",
	badUnknownActivity:    "unknown_activity",
	badEndBeforeStart:     "end_before_start",
	badCountry:            "bad_country",
	badBoolean:            "bad_boolean",
	badNonpositiveRate:    "nonpositive_rate",
	badDecimal:            "bad_decimal",
}

// badPlan says which rows of a table are bad: a fraction p of them, evenly
// spread from a random phase, the kinds taken in turn from a random start so
// every kind shows up.
type badPlan struct {
	p, phase float64
	kinds    []badKind
	next     int
	n        int64 // rows asked about so far
	serial   int64 // bad rows handed out, to make unique bad values
	r        rng
}

func newBadPlan(p float64, kinds []badKind, r rng) *badPlan {
	b := &badPlan{p: p, kinds: kinds, r: r}
	b.phase = r.float()
	b.next = r.intn(len(kinds))
	return b
}

// row is the kind of the next row: okRow for a good one.
func (b *badPlan) row() badKind {
	i := b.n
	b.n++
	if b.p <= 0 {
		return okRow
	}
	x := float64(i)*b.p + b.phase
	if math.Floor(x+b.p) == math.Floor(x) {
		return okRow
	}
	return b.take()
}

func (b *badPlan) take() badKind {
	k := b.kinds[b.next%len(b.kinds)]
	b.next++
	b.serial++
	return k
}

// other is the next kind that is not a duplicate (when there is no good row
// before to duplicate).
func (b *badPlan) other() badKind {
	for range len(b.kinds) {
		if k := b.take(); k != badDuplicateKey {
			return k
		}
	}
	return badDuplicateKey // only duplicates: the caller writes the row good
}

// ---------------------------------------------------------------------------
// Files.

// tableFile writes one table's CSV to a temporary file, a row at a time:
// a row is built in line (with its '\n') and handed to put.
type tableFile struct {
	name      string
	path, tmp string
	f         *os.File
	w         *bufio.Writer
	rows, bad int64
	reasons   [numBadKinds]int64
	line      []byte
	prev      []byte // the last good row, for duplicates
	prevGood  bool
}

func createTable(dir, name string, header []string) (*tableFile, error) {
	t := &tableFile{name: name, path: filepath.Join(dir, name+".csv"), tmp: filepath.Join(dir, "."+name+".csv.tmp")}
	f, err := os.Create(t.tmp)
	if err != nil {
		return nil, err
	}
	t.f = f
	t.w = bufio.NewWriterSize(f, 1<<20)
	t.w.WriteString(strings.Join(header, ",") + "\n")
	t.line = make([]byte, 0, 256)
	t.prev = make([]byte, 0, 256)
	return t, nil
}

// put writes line as the next row; kind okRow for a good one.
func (t *tableFile) put(kind badKind) {
	t.w.Write(t.line)
	t.rows++
	if kind == okRow {
		t.line, t.prev = t.prev[:0], t.line
		t.prevGood = true
		return
	}
	t.line = t.line[:0]
	t.bad++
	t.reasons[kind]++
	t.prevGood = false
}

// dup writes the last good row again: both copies are now bad.
func (t *tableFile) dup() {
	t.w.Write(t.prev)
	t.rows++
	t.bad += 2
	t.reasons[badDuplicateKey] += 2
	t.prevGood = false
	t.line = t.line[:0]
}

// close flushes and closes the temporary file.
func (t *tableFile) close() error {
	if t.f == nil {
		return nil
	}
	err := t.w.Flush()
	if cerr := t.f.Close(); err == nil {
		err = cerr
	}
	t.f = nil
	return err
}

func (t *tableFile) stats() TableStats {
	s := TableStats{Table: t.name, File: t.path, Rows: t.rows, BadRows: t.bad}
	for k, n := range t.reasons {
		if n > 0 {
			if s.BadReasons == nil {
				s.BadReasons = map[string]int64{}
			}
			s.BadReasons[reasonOf[k]] = n
		}
	}
	return s
}

// ---------------------------------------------------------------------------
// Appending values.

// appendPadded appends n in decimal, zero-padded to width digits.
func appendPadded(b []byte, n int64, width int) []byte {
	var buf [20]byte
	i := len(buf)
	for n >= 10 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	i--
	buf[i] = byte('0' + n)
	for pad := width - (len(buf) - i); pad > 0; pad-- {
		b = append(b, '0')
	}
	return append(b, buf[i:]...)
}

// appendID appends prefix and n zero-padded to width.
func appendID(b []byte, prefix string, n int64, width int) []byte {
	return appendPadded(append(b, prefix...), n, width)
}

// civil is the year, month and day of d (Howard Hinnant's days_from_civil,
// inverted), without going through time.Time.
func civil(d cal.Date) (y, m, day int) {
	z := int64(d) + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	y = int(yoe + era*400)
	if m <= 2 {
		y++
	}
	return y, m, day
}

// appendDate appends d as YYYY-MM-DD.
func appendDate(b []byte, d cal.Date) []byte {
	y, m, day := civil(d)
	return appendYMD(b, y, m, day)
}

func appendYMD(b []byte, y, m, d int) []byte {
	b = append(b, byte('0'+y/1000%10), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-')
	b = append(b, byte('0'+m/10%10), byte('0'+m%10), '-')
	return append(b, byte('0'+d/10%10), byte('0'+d%10))
}

// appendImpossibleDate appends a well-formed date that does not exist, in
// d's year: 2025-02-30, 2025-04-31, 2025-13-01 or 2025-06-31.
func appendImpossibleDate(b []byte, d cal.Date, variant int64) []byte {
	y, _, _ := civil(d)
	switch variant % 4 {
	case 0:
		return appendYMD(b, y, 2, 30)
	case 1:
		return appendYMD(b, y, 4, 31)
	case 2:
		return appendYMD(b, y, 13, 1)
	default:
		return appendYMD(b, y, 6, 31)
	}
}

// appendCents appends an amount in cents as a decimal with two places.
func appendCents(b []byte, cents int64) []byte {
	if cents < 0 {
		b = append(b, '-')
		cents = -cents
	}
	b = strconv.AppendInt(b, cents/100, 10)
	return append(b, '.', byte('0'+cents/10%10), byte('0'+cents%10))
}

// appendText appends s as one CSV field, quoted when it has to be.
func appendText(b []byte, s string) []byte {
	if !strings.ContainsAny(s, ",\"\r\n") && (s == "" || s[0] != ' ') {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

func digits(n int64) int {
	d := 1
	for n >= 10 {
		n /= 10
		d++
	}
	return d
}
