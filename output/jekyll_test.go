package output

import "testing"

// TestEscapeLiquid pins the form every Liquid opening takes in a Jekyll
// body; TestJekyllBuildsSite has the real Jekyll print them back.
func TestEscapeLiquid(t *testing.T) {
	tests := []struct{ in, want string }{
		{"no Liquid here { } %} }}", "no Liquid here { } %} }}"},
		{"{{ x }}", `{{ "{{" }} x }}`},
		{"{% if %}", `{{ "{%" }} if %}`},
		{"{{{", `{{ "{{" }}{`},
		{"{{{{", `{{ "{{" }}{{ "{{" }}`},
		{"{{%", `{{ "{{" }}%`},
		{"{{}", `{{ "{{" }}}`},
		{"{%}", `{{ "{%" }}}`},
		{`\{\{ x }} \{% y %}`, `\{\{ x }} \{{ "{%" }} y %}`},
		{"ends with {", "ends with {"},
	}
	for _, tt := range tests {
		if got := escapeLiquid(tt.in); got != tt.want {
			t.Errorf("escapeLiquid(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
