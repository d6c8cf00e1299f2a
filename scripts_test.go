package main

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/convcache"
	"github.com/mparchive/mparchive/exporter/wechattest"
)

// TestScripts is the CLI contract suite: the scripts in testdata/script run
// the real mparchive (this test binary as main, see TestMain) and pin the
// exit code and the words a user reads for each situation. Besides
// testscript's own commands they have:
//
//	fakeapi [fake-api flags] [-quota PATH=N] [-unavailable PREFIX] [-stall-token]
//	    starts a fake WeChat API in the test process for the rest of the
//	    script and puts its address in $API. It takes fake-api's flags
//	    (--articles, --personal, --links FILE, …) and, for the suite:
//	    -quota sets the daily limit of one API path, -unavailable answers
//	    503 to every request whose path starts with PREFIX (/mmbiz: the
//	    image host is down), -stall-token never answers the token.
//	lock archive|output DIR
//	    holds the lock of an archive or an output folder in the test
//	    process, as another run would, until unlock or the script's end.
//	exits [-interrupt] CODE command [args...]
//	    runs the command and checks its exit code; with -interrupt it
//	    sends the command SIGINT as soon as the fake has received its
//	    first request (Unix only), which is no matter of timing.
//
// No script waits for time to pass: the program's waits between retries
// are off in tests (TestMain), and an interrupt follows an event.
func TestScripts(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: every script runs mparchive as a child process")
	}
	t.Parallel()
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "script"),
		Setup: func(env *testscript.Env) error {
			home := filepath.Join(env.WorkDir, ".home")
			if err := os.MkdirAll(home, 0o755); err != nil {
				return err
			}
			// Nothing of the machine's own configuration or credentials
			// reaches a script.
			env.Setenv("HOME", home)
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
			env.Setenv("APPDATA", filepath.Join(home, "AppData"))
			env.Setenv("MPARCHIVE_CONFIG", "")
			env.Setenv(convcache.EnvDir, filepath.Join(home, ".cache", "mparchive"))
			env.Values[scriptKey{}] = &scriptState{setupVars: env.Vars}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"fakeapi": cmdFakeAPI,
			"exits":   cmdExits,
			"lock":    cmdLock,
			"unlock":  cmdUnlock,
		},
	})
}

type scriptKey struct{}

// scriptState is what the suite's commands keep for one script.
type scriptState struct {
	setupVars []string
	// arrived is closed at the fake's first request.
	arrived chan struct{}
	// unlocks releases the locks the script holds.
	unlocks []func() error
}

func stateOf(ts *testscript.TestScript) *scriptState {
	return ts.Value(scriptKey{}).(*scriptState)
}

// quotaFlag collects -quota PATH=N.
type quotaFlag map[string]int

func (q quotaFlag) String() string { return fmt.Sprint(map[string]int(q)) }

func (q quotaFlag) Set(v string) error {
	path, n, ok := strings.Cut(v, "=")
	limit, err := strconv.Atoi(n)
	if !ok || err != nil || !strings.HasPrefix(path, "/") {
		return fmt.Errorf("want PATH=N, got %q", v)
	}
	q[path] = limit
	return nil
}

func cmdFakeAPI(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! fakeapi")
	}
	st := stateOf(ts)
	if st.arrived != nil {
		ts.Fatalf("one fakeapi per script")
	}
	fs := flag.NewFlagSet("fakeapi", flag.ContinueOnError)
	var ff fakeFlags
	ff.register(fs)
	quotas := quotaFlag{}
	fs.Var(quotas, "quota", "daily limit of an API path: PATH=N")
	unavailable := fs.String("unavailable", "", "answer 503 to every path with this prefix")
	stall := fs.Bool("stall-token", false, "never answer the token endpoints")
	if err := fs.Parse(args); err != nil {
		ts.Fatalf("fakeapi: %v", err)
	}
	if fs.NArg() > 0 {
		ts.Fatalf("fakeapi: stray arguments %q", fs.Args())
	}
	opts, err := ff.options()
	if err != nil {
		ts.Fatalf("fakeapi: %v", err)
	}
	if len(quotas) > 0 {
		opts.Quotas = quotas
	}
	opts.Hostile.StallToken = *stall
	srv, err := wechattest.New(opts)
	if err != nil {
		ts.Fatalf("fakeapi: %v", err)
	}
	st.arrived = make(chan struct{})
	var once sync.Once
	h := srv.Handler()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(st.arrived) })
		if *unavailable != "" && strings.HasPrefix(r.URL.Path, *unavailable) {
			http.Error(w, "503 Service Temporarily Unavailable", http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	}))
	ts.Defer(hs.Close)
	srv.SetBaseURL(hs.URL)
	if ff.links != "" {
		if _, err := writeLinks(srv, ts.MkAbs(ff.links)); err != nil {
			ts.Fatalf("fakeapi: %v", err)
		}
	}
	ts.Setenv("API", hs.URL)
}

func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! exits (name the code)")
	}
	interrupt := len(args) > 0 && args[0] == "-interrupt"
	if interrupt {
		args = args[1:]
	}
	if len(args) < 2 {
		ts.Fatalf("usage: exits [-interrupt] CODE command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: bad code %q", args[0])
	}
	if interrupt {
		err = execInterrupted(ts, args[1], args[2:])
	} else {
		err = ts.Exec(args[1], args[2:]...)
	}
	got := 0
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		got = ee.ExitCode()
	default:
		ts.Fatalf("exits: %v", err)
	}
	if got != want {
		ts.Fatalf("exit %d, want %d", got, want)
	}
}

// execInterrupted runs a command as exec does and sends it SIGINT once the
// fake has received a request: by then the program is running its command
// with its signal handler in place. Its output is the script's stdout and
// stderr.
func execInterrupted(ts *testscript.TestScript, name string, args []string) error {
	if runtime.GOOS == "windows" {
		ts.Fatalf("exits -interrupt: no SIGINT on Windows")
	}
	st := stateOf(ts)
	if st.arrived == nil {
		ts.Fatalf("exits -interrupt: start the fakeapi first")
	}
	path, err := lookPath(ts, name)
	if err != nil {
		ts.Fatalf("exits: %v", err)
	}
	cmd := exec.Command(path, args...)
	cmd.Dir = ts.MkAbs(".")
	// The script's environment: the variables set up for it, as the
	// script has them now, and the ones scripts set.
	keys := []string{"API", "MPARCHIVE_APPID", "MPARCHIVE_SECRET", "MPARCHIVE_ACCESS_TOKEN"}
	for _, kv := range st.setupVars {
		if k, _, ok := strings.Cut(kv, "="); ok {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		if v := ts.Getenv(k); v != "" {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	cmd.Stdout, cmd.Stderr = ts.Stdout(), ts.Stderr()
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-st.arrived:
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			ts.Fatalf("exits -interrupt: %v", err)
		}
		return <-exited
	case err := <-exited:
		ts.Fatalf("exits -interrupt: the command ended (%v) before the fake had a request", err)
		return nil
	}
}

func lookPath(ts *testscript.TestScript, name string) (string, error) {
	if filepath.Base(name) != name {
		return ts.MkAbs(name), nil
	}
	for _, dir := range filepath.SplitList(ts.Getenv("PATH")) {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found in $PATH", name)
}

func cmdLock(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: lock archive|output DIR")
	}
	dir := ts.MkAbs(args[1])
	var unlock func() error
	var err error
	switch args[0] {
	case "archive":
		var a *archive.Archive
		if a, err = archive.Open(dir); err == nil {
			unlock, err = a.Lock()
		}
	case "output":
		unlock, err = archive.LockOutput(dir)
	default:
		ts.Fatalf("usage: lock archive|output DIR")
	}
	if err != nil {
		ts.Fatalf("lock: %v", err)
	}
	st := stateOf(ts)
	st.unlocks = append(st.unlocks, unlock)
	ts.Defer(func() { unlock() })
}

func cmdUnlock(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: unlock")
	}
	st := stateOf(ts)
	for _, unlock := range st.unlocks {
		if err := unlock(); err != nil {
			ts.Fatalf("unlock: %v", err)
		}
	}
	st.unlocks = nil
}
