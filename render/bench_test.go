package render

import (
	"testing"

	htmltomarkdown "github.com/JohannesKaufmann/html-to-markdown/v2"
)

// BenchmarkConvert measures our converter over the real-article corpus;
// BenchmarkPlainConvertString runs html-to-markdown's own ConvertString on
// the same inputs, so the cost of the WeChat rules shows as the difference.

func BenchmarkConvert(b *testing.B) {
	inputs, size := benchInputs(b)
	conv := New()
	opts := Options{ImageURL: func(remote string) string { return "" }}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for _, in := range inputs {
			if _, err := conv.Convert(in, opts); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkPlainConvertString(b *testing.B) {
	inputs, size := benchInputs(b)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for _, in := range inputs {
			if _, err := htmltomarkdown.ConvertString(in); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func benchInputs(b *testing.B) ([]string, int64) {
	inputs := corpusInputs(b)
	var size int64
	for _, in := range inputs {
		size += int64(len(in))
	}
	return inputs, size
}
