// Command convertstring is html-to-markdown v2's ConvertString as a
// process: it reads FILE and writes its Markdown to standard output, as
// `mparchive convert FILE` does. BenchmarkConvertProcess (bench_test.go)
// builds it and times the two side by side.
package main

import (
	"fmt"
	"os"

	htmltomarkdown "github.com/JohannesKaufmann/html-to-markdown/v2"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: convertstring FILE")
		os.Exit(2)
	}
	b, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	md, err := htmltomarkdown.ConvertString(string(b))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if _, err := os.Stdout.WriteString(md); err != nil {
		os.Exit(1)
	}
}
