package main

import "testing"

func TestVoiceBase(t *testing.T) {
	tests := []struct {
		name string
		f    fetchFlags
		want string
	}{
		{"WeChat by default", fetchFlags{}, ""},
		{"the demo API", fetchFlags{demoBase: "http://demo.mparchive.invalid", pageBase: "http://demo.mparchive.invalid"}, "http://demo.mparchive.invalid"},
		{"fake-api as --api-base", fetchFlags{apiBase: "http://127.0.0.1:8099"}, "http://127.0.0.1:8099"},
		{"a loopback page base first, its path kept", fetchFlags{apiBase: "http://127.0.0.1:1", pageBase: " http://localhost:8099/mirror/ "}, "http://localhost:8099/mirror"},
		{"IPv6 loopback", fetchFlags{apiBase: "http://[::1]:8099/"}, "http://[::1]:8099"},
		{"a remote proxy is not asked for voices", fetchFlags{apiBase: "https://proxy.example.com/wechat", pageBase: "https://mirror.example.com"}, ""},
		{"a private address is not loopback", fetchFlags{apiBase: "http://192.168.1.5:8099"}, ""},
		{"a look-alike name is not loopback", fetchFlags{apiBase: "http://localhost.example.com:8099"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f.voiceBase(); got != tt.want {
				t.Errorf("voiceBase() = %q, want %q", got, tt.want)
			}
		})
	}
}
