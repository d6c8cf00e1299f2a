package wechattest

import (
	"encoding/json"
	"errors"
	"fmt"
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestSlowBodyIsTheRealAnswer: a slow body that the client waits for is
// the answer the call would have had, whole.
func TestSlowBodyIsTheRealAnswer(t *testing.T) {
	s := start(t, Options{Articles: 5, SlowBody: time.Millisecond})
	tok := s.IssueToken()
	_, want := call(t, s, "POST", PathFreePublishList, tok, map[string]any{"offset": 0, "count": 5})
	s.InjectFault(PathFreePublishList, FaultSlowBody, 1)
	_, got := call(t, s, "POST", PathFreePublishList, tok, map[string]any{"offset": 0, "count": 5})
	if !reflect.DeepEqual(got, want) {
		t.Errorf("slow answer differs:\n%v\nwant\n%v", got, want)
	}
	if st := s.Stats()[PathFreePublishList]; st.Faults != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestInjectedFaults(t *testing.T) {
	client := &http.Client{Timeout: 300 * time.Millisecond}
	cases := []struct {
		fault Fault
		check func(resp *http.Response, body []byte, err error) error
	}{
		{FaultSystemError, wantErrcode(-1)},
		{FaultMinuteQuota, wantErrcode(45011)},
		{FaultHTTP500, wantStatus(500)},
		{FaultHTTP502, wantStatus(502)},
		{FaultHTTP503, wantStatus(503)},
		{FaultTruncated, func(_ *http.Response, _ []byte, err error) error {
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				return fmt.Errorf("want unexpected EOF, got %v", err)
			}
			return nil
		}},
		{FaultCutJSON, func(resp *http.Response, body []byte, err error) error {
			if err != nil || json.Valid(body) {
				return fmt.Errorf("want a complete response with broken JSON, got err %v, body %q", err, body)
			}
			return nil
		}},
		{FaultSlowBody, wantError("Client.Timeout")},
		{FaultReset, wantError("")},
	}
	for _, tc := range cases {
		t.Run(tc.fault.String(), func(t *testing.T) {
			s := start(t, Options{Articles: 5, SlowBody: 5 * time.Second})
			tok := s.IssueToken()
			s.InjectFault(PathFreePublishList, tc.fault, 1)
			body := `{"offset":0,"count":20,"no_content":1}`
			resp, err := client.Post(s.URL()+PathFreePublishList+"?access_token="+tok, "application/json", strings.NewReader(body))
			var raw []byte
			if err == nil {
				raw, err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			if e := tc.check(resp, raw, err); e != nil {
				t.Error(e)
			}
			// A slow body is the real answer, which spent its call.
			if _, used := s.Quota(PathFreePublishList); used != 0 && tc.fault != FaultSlowBody {
				t.Errorf("a faulted call spent quota: used %d", used)
			}
			if st := s.Stats()[PathFreePublishList]; st.Faults != 1 || st.Calls != 1 {
				t.Errorf("stats %+v", st)
			}
			// The next call is healthy.
			if _, out := call(t, s, "POST", PathFreePublishList, tok, map[string]any{"offset": 0, "count": 1}); errcode(out) != 0 {
				t.Errorf("call after the fault: %v", out)
			}
		})
	}
}

func wantErrcode(code int) func(*http.Response, []byte, error) error {
	return func(resp *http.Response, body []byte, err error) error {
		var out map[string]any
		if err != nil || resp.StatusCode != 200 || json.Unmarshal(body, &out) != nil || errcode(out) != code {
			return fmt.Errorf("want HTTP 200 errcode %d, got %v %q", code, err, body)
		}
		return nil
	}
}

func wantStatus(code int) func(*http.Response, []byte, error) error {
	return func(resp *http.Response, body []byte, err error) error {
		if err != nil || resp.StatusCode != code {
			return fmt.Errorf("want HTTP %d, got %v", code, err)
		}
		return nil
	}
}

func wantError(substr string) func(*http.Response, []byte, error) error {
	return func(_ *http.Response, _ []byte, err error) error {
		if err == nil || !strings.Contains(err.Error(), substr) {
			return fmt.Errorf("want an error containing %q, got %v", substr, err)
		}
		return nil
	}
}

// TestFaultRateIsReproducible runs the same call sequence against two
// servers with one seed and expects the same outcomes, and a plausible rate.
func TestFaultRateIsReproducible(t *testing.T) {
	outcomes := func() []string {
		s := start(t, Options{Articles: 50, Seed: 8, FaultRate: 0.3, Faults: []Fault{FaultSystemError, FaultMinuteQuota, FaultHTTP503}})
		tok := s.IssueToken()
		var got []string
		for i := range 60 {
			resp, raw := do(t, s, "POST", PathFreePublishList, tok, map[string]any{"offset": (i % 3) * 20, "count": 20, "no_content": 1})
			got = append(got, fmt.Sprintf("%d:%s", resp.StatusCode, raw[:min(len(raw), 20)]))
		}
		if st := s.Stats()[PathFreePublishList]; st.Faults < 8 || st.Faults > 30 {
			t.Errorf("%d faults in 60 calls at rate 0.3", st.Faults)
		}
		return got
	}
	if a, b := outcomes(), outcomes(); !slices.Equal(a, b) {
		t.Error("same seed and call sequence gave different faults")
	}
}
