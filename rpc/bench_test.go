package rpc

import (
	"strconv"
	"strings"
	"testing"
)

const signumRequest = `{"jsonrpc":"2.0","id":1,"method":"signum","params":["TERM"]}` + "\n"

// benchmarkReader reads the same request n times through framing f.
func benchmarkReader(b *testing.B, f Framing, framed string) {
	input := strings.Repeat(framed, 1000)
	b.ReportAllocs()
	b.SetBytes(int64(len(input)))
	for b.Loop() {
		mr := newMessageReader(newInput(strings.NewReader(input), DefaultMaxMessageBytes), f)
		for {
			if _, err := mr.readMessage(); err != nil {
				break
			}
		}
	}
}

func BenchmarkReadNDJSON(b *testing.B) {
	benchmarkReader(b, FramingNDJSON, signumRequest)
}

func BenchmarkReadLSP(b *testing.B) {
	body := strings.TrimSuffix(signumRequest, "\n")
	benchmarkReader(b, FramingLSP, "Content-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body)
}

func BenchmarkParseRequest(b *testing.B) {
	msg := []byte(strings.TrimSuffix(signumRequest, "\n"))
	var req request
	b.ReportAllocs()
	for b.Loop() {
		if err := parseRequest(msg, &req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeParams(b *testing.B) {
	params := []Param{ // kill's
		{Name: "pid", Kind: Integer, Required: true},
		{Name: "signal", Kind: IntegerOrString, Default: `"TERM"`},
		{Name: "start_time", Kind: String},
	}
	for i := range params {
		params[i].decodeDefault()
	}
	raw := []byte(`{"pid":12345,"signal":"TERM","start_time":"987654"}`)
	var args Args
	b.ReportAllocs()
	for b.Loop() {
		if err := decodeParams(raw, params, &args); err != nil {
			b.Fatal(err)
		}
	}
}
