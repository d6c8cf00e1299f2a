package exporter

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
)

// Every request the exporter makes (API calls, images, voices, videos,
// article pages) fails in one of three ways, decided here and nowhere else:
//
//   - transient: another attempt may pass (a network error, a timeout, a
//     5xx, 429, WeChat busy, a body cut off). The request is retried with
//     backoff, and if every attempt fails a later run tries again.
//   - permanent: every attempt gets the same answer (404, an HTML page
//     where an image belongs, a file over its size limit, a deleted page, a
//     permission the account lacks). Not retried; recorded once so that
//     later runs neither retry it nor fail because of it.
//   - cancelled: the run is stopping. Neither.
type failureClass int

const (
	classNone failureClass = iota
	classTransient
	classPermanent
	classCancelled
)

// classify is the one transient-versus-permanent classifier.
func classify(err error) failureClass {
	switch {
	case err == nil:
		return classNone
	case errors.Is(err, context.Canceled):
		return classCancelled
	}
	if e, ok := errors.AsType[*APIError](err); ok {
		return transientIf(e.Code == codeSystemBusy || e.Code == codeMinuteQuota)
	}
	if e, ok := errors.AsType[*ResponseError](err); ok {
		return transientIf(e.retryable)
	}
	if e, ok := errors.AsType[*transportError](err); ok {
		return transientIf(e.retryable)
	}
	if e, ok := errors.AsType[*DownloadError](err); ok {
		return transientIf(e.transient)
	}
	if errors.Is(err, ErrPlaceholder) {
		return classPermanent
	}
	return classNone
}

// transientIf is the class of a failure whose error says whether it may
// pass.
func transientIf(transient bool) failureClass {
	if transient {
		return classTransient
	}
	return classPermanent
}

// transientTransport tells whether a failure below HTTP (no answer, or an
// answer cut off) may pass: everything but a cancelled context and a
// certificate this machine does not trust, which no retry changes.
func transientTransport(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, ErrPrivateAddress) {
		return false
	}
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	return !errors.As(err, &unknownAuthority) && !errors.As(err, &hostname) && !errors.As(err, &invalid)
}

// transientStatus tells the HTTP statuses that pass: server trouble, rate
// limits and timeouts at a gateway.
func transientStatus(code int) bool {
	return code >= 500 || code == http.StatusTooManyRequests || code == http.StatusRequestTimeout
}

// unreachable tells a failure where no server answered at all, after every
// attempt: a name that does not resolve, a refused or reset connection, a
// deadline that passed. For the API it dooms every further call of the run
// (isFatal); for a media host the downloader stops asking it (hostDown).
func unreachable(err error) bool {
	var tErr *transportError
	if errors.As(err, &tErr) {
		return true
	}
	var dErr *DownloadError
	return errors.As(err, &dErr) && dErr.Status == 0 && dErr.transient
}

// IsUnreachable reports an error that ended a run because the API (or,
// for a run of pages only, the page host) answered no attempt: a network
// that is down, a name that does not resolve, a server that stalls.
func IsUnreachable(err error) bool {
	return err != nil && !errors.Is(err, context.Canceled) && unreachable(err)
}

// DownloadError is a failed download outside the API: an image, a voice,
// a video file or an article page. Its message never holds a secret.
type DownloadError struct {
	What   string // "image", "voice", "video", "page"
	Status int    // the HTTP status; 0 when no (complete) answer came
	// Problem says what went wrong, e.g. "HTTP 404 Not Found".
	Problem   string
	transient bool
	err       error
}

func (e *DownloadError) Error() string { return e.Problem }
func (e *DownloadError) Unwrap() error { return e.err }

func downloadFailed(what string, transient bool, format string, args ...any) *DownloadError {
	return &DownloadError{What: what, Problem: fmt.Sprintf(format, args...), transient: transient}
}

// goneForGood tells a failure of one file or page that no re-run fixes:
// permanent, and the file's own (a 404, not an image, over its size
// limit, no such media_id, no permission for it), not the run's or the
// network's: a spent quota, refused credentials or a proxy's error page
// pass, and must not mark every file they touched unavailable.
func goneForGood(err error) bool {
	if classify(err) != classPermanent || IsQuotaExhausted(err) || isFatal(err) {
		return false
	}
	var respErr *ResponseError
	if errors.As(err, &respErr) {
		return respErr.gone
	}
	return true
}
