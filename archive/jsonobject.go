package archive

import (
	"bufio"
	"encoding/json"
)

// jsonObject writes a JSON object an entry at a time in the layout of
// json.MarshalIndent with a two-space indent, at depth levels of nesting:
// state.json and the media index are written as they would be marshalled
// whole, without holding the whole in memory.
type jsonObject struct {
	w      *bufio.Writer
	indent string // the entries' indent: two spaces per level, plus two
	n      int
}

func newJSONObject(w *bufio.Writer, depth int) *jsonObject {
	indent := "  "
	for range depth {
		indent += "  "
	}
	return &jsonObject{w: w, indent: indent}
}

// key starts an entry: the separator, the indent and the quoted key.
func (o *jsonObject) key(k string) error {
	kb, err := json.Marshal(k)
	if err != nil {
		return err
	}
	if o.n == 0 {
		o.w.WriteString("{\n")
	} else {
		o.w.WriteString(",\n")
	}
	o.n++
	o.w.WriteString(o.indent)
	o.w.Write(kb)
	_, err = o.w.WriteString(": ")
	return err
}

// entry writes k and v, v indented to sit at its place.
func (o *jsonObject) entry(k string, v any) error {
	vb, err := json.MarshalIndent(v, o.indent, "  ")
	if err != nil {
		return err
	}
	if err := o.key(k); err != nil {
		return err
	}
	_, err = o.w.Write(vb)
	return err
}

// end closes the object: "{}" when it is empty, as MarshalIndent writes it.
func (o *jsonObject) end() error {
	if o.n == 0 {
		_, err := o.w.WriteString("{}")
		return err
	}
	_, err := o.w.WriteString("\n" + o.indent[2:] + "}")
	return err
}

// endFile ends a file that holds the object: the closing brace, a newline,
// and the buffer flushed. err is an earlier error of the writing, returned
// as it is.
func (o *jsonObject) endFile(err error) error {
	if err == nil {
		err = o.end()
	}
	if err != nil {
		return err
	}
	o.w.WriteString("\n")
	return o.w.Flush()
}
