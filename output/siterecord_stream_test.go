package output

import (
	"bytes"
	"crypto/sha256"
	"reflect"
	"strings"
	"testing"
)

// TestViewEncoderStreamsTheSameBytes checks that an encoder passing its
// bytes on to a hash as it goes hashes exactly what one holding them all
// writes, for views smaller and larger than what it holds at once.
func TestViewEncoderStreamsTheSameBytes(t *testing.T) {
	type view struct {
		Posts []postView
		Body  []byte
		Tail  string
	}
	for _, n := range []int{0, 1, 10, 3000} {
		v := &pageView{Title: "t"}
		for i := range n {
			v.Posts = append(v.Posts, postView{Title: strings.Repeat("标题", i%7), URL: "posts/" + strings.Repeat("x", i%50)})
		}
		w := view{Posts: v.Posts, Body: bytes.Repeat([]byte("<p>"), n*10), Tail: "end"}
		for name, val := range map[string]reflect.Value{"page": reflect.ValueOf(v).Elem(), "with bytes": reflect.ValueOf(&w).Elem()} {
			var whole viewEncoder
			if !whole.value(val) {
				t.Fatalf("%d posts, %s: not encoded", n, name)
			}
			streamed := viewEncoder{h: sha256.New()}
			if !streamed.value(val) {
				t.Fatalf("%d posts, %s: not encoded streaming", n, name)
			}
			if n == 3000 && len(streamed.b) > 2*viewEncoderChunk {
				t.Errorf("%d posts, %s: the streaming encoder holds %d bytes", n, name, len(streamed.b))
			}
			streamed.h.Write(streamed.b)
			if want := sha256.Sum256(whole.b); !bytes.Equal(streamed.h.Sum(nil), want[:]) {
				t.Errorf("%d posts, %s: streamed bytes hash differently", n, name)
			}
		}
	}
}
