package exporter

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestNewClient_Options(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []Option
		want string // phrase the error must contain; "" means success
	}{
		{"credentials", []Option{WithCredentials("wx1", "s")}, ""},
		{"supplied token", []Option{WithAccessToken("tok")}, ""},
		{"nothing", nil, "no WeChat credentials"},
		{"both", []Option{WithCredentials("wx1", "s"), WithAccessToken("tok")}, "not both"},
		{"empty appid", []Option{WithCredentials("", "s")}, "AppID is empty"},
		{"empty secret", []Option{WithCredentials("wx1", "")}, "AppSecret is empty"},
		{"secret with newline", []Option{WithCredentials("wx1", testSecret+"\n")}, "white space"},
		{"empty token", []Option{WithAccessToken(" ")}, "access token is empty"},
		{"base without scheme", []Option{WithCredentials("wx1", "s"), WithBaseURL("api.weixin.qq.com")}, "scheme"},
		{"base with query", []Option{WithCredentials("wx1", "s"), WithBaseURL("https://h/?access_token=x")}, "query"},
		{"base with ftp", []Option{WithCredentials("wx1", "s"), WithBaseURL("ftp://h/")}, "scheme"},
		{"nil http client", []Option{WithCredentials("wx1", "s"), WithHTTPClient(nil)}, "nil"},
		{"zero timeout", []Option{WithCredentials("wx1", "s"), WithRequestTimeout(0)}, "positive"},
		{"zero attempts", []Option{WithCredentials("wx1", "s"), WithMaxAttempts(0)}, "between 1 and 100"},
		{"bad token mode", []Option{WithCredentials("wx1", "s"), WithTokenMode(TokenMode(7))}, "token mode"},
		{"nil sleep", []Option{WithCredentials("wx1", "s"), WithSleep(nil)}, "nil"},
		{"nil clock", []Option{WithCredentials("wx1", "s"), withClock(nil)}, "nil"},
		{"nil report", []Option{WithCredentials("wx1", "s"), WithRetryReport(nil)}, "nil"},
		{"classic mode", []Option{WithCredentials("wx1", "s"), WithTokenMode(TokenClassic)}, ""},
		{"base with path", []Option{WithCredentials("wx1", "s"), WithBaseURL("https://proxy.example/wechat")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(tt.opts...)
			if tt.want == "" {
				if err != nil || c == nil {
					t.Fatalf("NewClient: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("NewClient succeeded, want error with %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			assertNoSecrets(t, "option error", err.Error())
		})
	}
}

func TestClient_BaseURLPrefixAndUserAgent(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.handle("/cgi-bin/draft/count", http.MethodGet, func(w http.ResponseWriter, r *http.Request) {
		if ua := r.Header.Get("User-Agent"); ua != DefaultUserAgent {
			t.Errorf("User-Agent = %q", ua)
		}
		serveFixture(t, "draft_count.json")(w, r)
	})
	n, err := e.client.DraftCount(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if n != 7 {
		t.Errorf("DraftCount = %d, want 7", n)
	}
}

func TestClient_MaterialCount(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.handle("/cgi-bin/material/get_materialcount", http.MethodGet, serveFixture(t, "get_materialcount.json"))
	got, err := e.client.MaterialCount(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := MaterialCount{VoiceCount: 2, VideoCount: 1, ImageCount: 137, NewsCount: 42}
	if got != want {
		t.Errorf("MaterialCount = %+v, want %+v", got, want)
	}
}

func TestClient_Quota(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var bodies record
	e.handle("/cgi-bin/openapi/quota/get", http.MethodPost, func(w http.ResponseWriter, r *http.Request) {
		bodies.add(readBody(t, r))
		serveFixture(t, "quota_get.json")(w, r)
	})
	for _, path := range []string{ListEndpoint("published"), "cgi-bin/freepublish/batchget"} {
		got, err := e.client.Quota(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		if want := (Quota{DailyLimit: 100, Used: 37, Remain: 63}); got != want {
			t.Errorf("Quota = %+v, want %+v", got, want)
		}
	}
	for _, body := range bodies.all() {
		if want := `{"cgi_path":"/cgi-bin/freepublish/batchget"}`; body != want {
			t.Errorf("quota body = %s, want %s", body, want)
		}
	}
	if _, err := e.client.Quota(t.Context(), "https://api.weixin.qq.com/cgi-bin/draft/count"); err == nil {
		t.Error("Quota accepted a full URL as cgi_path")
	}
}

// TestClient_GetMaterial: a file answer streams to the sink, with the
// Content-Type WeChat sent; JSON (a video material, an error) and HTML are
// read as answers, whatever their Content-Type says.
func TestClient_GetMaterial(t *testing.T) {
	t.Parallel()
	jpeg := append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, []byte("JFIF fake image bytes")...)
	tests := []struct {
		name      string
		serve     func(w http.ResponseWriter)
		wantData  []byte
		wantType  string
		streamed  bool   // the file went to the sink
		wantCode  int    // errcode of an expected *APIError
		wantPhase string // phrase of another expected error
	}{
		{
			name:     "image",
			serve:    func(w http.ResponseWriter) { w.Header().Set("Content-Type", "image/jpeg"); w.Write(jpeg) },
			wantData: jpeg, wantType: "image/jpeg", streamed: true,
		},
		{
			name:     "a file without a content type",
			serve:    func(w http.ResponseWriter) { w.Header()["Content-Type"] = nil; w.Write(jpeg) },
			wantData: jpeg, wantType: "", streamed: true,
		},
		{
			name: "video material is JSON",
			serve: func(w http.ResponseWriter) {
				writeJSON(w, `{"title":"T","description":"D","down_url":"http://example.org/v.mp4"}`)
			},
			wantData: []byte(`{"title":"T","description":"D","down_url":"http://example.org/v.mp4"}`),
			wantType: "application/json; encoding=utf-8",
		},
		{
			// WeChat has served its error JSON as text/plain.
			name: "error as text/plain",
			serve: func(w http.ResponseWriter) {
				w.Header().Set("Content-Type", "text/plain")
				io.WriteString(w, `{"errcode":40007,"errmsg":"invalid media_id rid: 5fa26c60-1a0ebdd5-32fd1cd0"}`)
			},
			wantCode: 40007,
		},
		{
			name: "HTML page",
			serve: func(w http.ResponseWriter) {
				w.Header().Set("Content-Type", "text/html")
				io.WriteString(w, "<html><body>Portal login</body></html>")
			},
			wantPhase: "HTML page",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			e.handle("/cgi-bin/material/get_material", http.MethodPost, func(w http.ResponseWriter, r *http.Request) {
				if body := readBody(t, r); body != `{"media_id":"MEDIA_1"}` {
					t.Errorf("body = %s", body)
				}
				tt.serve(w)
			})
			var file bytes.Buffer
			var sinkType string
			resp, err := e.client.getMaterial(t.Context(), "MEDIA_1", 1<<20, func(body io.Reader, ctype string) error {
				sinkType = ctype
				_, err := file.ReadFrom(body)
				return err
			})
			switch {
			case tt.wantCode != 0:
				var apiErr *APIError
				if !errors.As(err, &apiErr) || apiErr.Code != tt.wantCode {
					t.Fatalf("err = %v, want errcode %d", err, tt.wantCode)
				}
			case tt.wantPhase != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantPhase) {
					t.Fatalf("err = %v, want %q", err, tt.wantPhase)
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
				data, ctype := resp.body, resp.contentType
				if resp.streamed {
					data = file.Bytes()
					if sinkType != ctype {
						t.Errorf("the sink got Content-Type %q, the response says %q", sinkType, ctype)
					}
				}
				if resp.streamed != tt.streamed || string(data) != string(tt.wantData) || ctype != tt.wantType {
					t.Errorf("got %q (%q, streamed %v), want %q (%q, streamed %v)", data, ctype, resp.streamed, tt.wantData, tt.wantType, tt.streamed)
				}
			}
		})
	}
}

// The client must keep one connection alive across calls instead of paying
// a new handshake each time.
func TestClient_ReusesConnections(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.handle("/cgi-bin/draft/count", http.MethodGet, serveFixture(t, "draft_count.json"))
	for range 10 {
		if _, err := e.client.DraftCount(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.conns.Load(); n != 1 {
		t.Errorf("opened %d connections for 11 sequential requests, want 1", n)
	}
}

func TestRequestBodyKeepsHTML(t *testing.T) {
	t.Parallel()
	got, err := encodeJSON(map[string]string{"content": "<p>a & b</p>"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"content":"<p>a & b</p>"}`; string(got) != want {
		t.Errorf("encodeJSON = %s, want %s", got, want)
	}
	var back map[string]string
	if err := json.Unmarshal(got, &back); err != nil || back["content"] != "<p>a & b</p>" {
		t.Errorf("round trip: %v %v", back, err)
	}
}
