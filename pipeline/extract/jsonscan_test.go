package extract

import (
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzJSONScanner checks the JSONL scanner against encoding/json: the same
// lines are accepted, with the same values. `go test` runs the seeds;
// `go test -fuzz JSONScanner ./pipeline/extract/` looks for more.
func FuzzJSONScanner(f *testing.F) {
	for _, s := range []string{
		`{}`, ` { } `, `{"a":1}`, `{"a":-0.5e+10,"b":"x","c":true,"d":false,"e":null}`,
		`{"a":"\u00e9\n\"q\"","b":"\ud83d\ude00"}`, `{"a":"\ud800"}`, `{"a":[]}`, `{"a":["x",1,true]}`,
		`{"a":[null]}`, `{"a":[[1]]}`, `{"a":{"b":[1,{"c":2}]}}`, `{"a":1,"a":2}`, `{"a":01}`, `{"a":1.}`,
		`{"a":.5}`, `{"a":1e}`, `{"a":-}`, `{"a":tru}`, `{"a":"x"} x`, `{"a":"x"}{}`, `[1,2]`, `null`, `"x"`,
		`{"a" 1}`, `{"a":1,}`, `{,}`, `{"a":[1,]}`, `{"a":"\x"}`, `{"a":"` + "\t" + `"}`, `{"a":"\u12"}`,
		"{\"a\":\"\xff\"}", `{"a":1`, `{"a":[1`, `{"a":{"b":1}`, `{"a":"x\/y"}`, `{"a":[ "x" , 2 ]}`, "",
		`{"a":-01}`, `{"a":1E+2}`, `{"a":[{}]}`, `{"a":[[]]}`, `{"\u0061":1}`, `{1:2}`,
	} {
		f.Add(s)
	}
	f.Fuzz(compareWithEncodingJSON)
}

// compareWithEncodingJSON fails unless the scanner and encoding/json agree
// on line.
func compareWithEncodingJSON(t *testing.T, line string) {
	{
		var p jsonScanner
		got := map[string]jsonField{}
		err := p.object(line, func(k string, v jsonField) { got[k] = v })

		dec := json.NewDecoder(strings.NewReader(line))
		dec.UseNumber()
		var want map[string]any
		werr := dec.Decode(&want)
		if werr == nil && want == nil {
			werr = errors.New("null")
		}
		if werr == nil {
			if _, e := dec.Token(); !errors.Is(e, io.EOF) {
				werr = errors.New("trailing data")
			}
		}
		if !utf8.ValidString(line) {
			if err == nil {
				t.Fatalf("%q: accepted text that is not UTF-8", line)
			}
			return
		}
		if (err == nil) != (werr == nil) {
			t.Fatalf("%q: scanner says %v, encoding/json says %v", line, err, werr)
		}
		if err != nil {
			return
		}
		if len(got) != len(want) {
			t.Fatalf("%q: keys %v, want %v", line, got, want)
		}
		for k, w := range want {
			g := got[k]
			ok := false
			switch w := w.(type) {
			case nil:
				ok = g.kind == jsonNull
			case string:
				ok = g.kind == jsonString && g.text == w
			case json.Number:
				ok = g.kind == jsonNumber && g.text == string(w)
			case bool:
				ok = g.kind == jsonBool && g.text == map[bool]string{true: "true", false: "false"}[w]
			case []any:
				var texts []string
				flat := true
				for _, e := range w {
					switch e := e.(type) {
					case string:
						texts = append(texts, e)
					case json.Number:
						texts = append(texts, string(e))
					case bool:
						texts = append(texts, map[bool]string{true: "true", false: "false"}[e])
					default:
						flat = false
					}
				}
				if flat {
					ok = g.kind == jsonArray && slices.Equal(g.list, texts)
				} else {
					ok = g.kind == jsonNested
				}
			default:
				ok = g.kind == jsonNested
			}
			if !ok {
				t.Errorf("%q: key %q: scanner %+v, encoding/json %#v", line, k, g, w)
			}
		}
	}
}
