package exporter

import (
	"bytes"
	"cmp"
	"context"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// DefaultVoiceBaseURL is where WeChat's public player loads the voice
// messages of articles from (docs/wechat-api.md §8.2, §12).
const DefaultVoiceBaseURL = "https://res.wx.qq.com"

// voicePath is the player's download path on DefaultVoiceBaseURL; the file
// id goes in its mediaid parameter.
const voicePath = "/voice/getvoice"

// getVoice downloads a voice message by its file id from the voice base,
// with the retries of images. It sends mp.weixin.qq.com as the Referer, as
// the article page playing it would.
func (d *downloader) getVoice(ctx context.Context, fileID string, st *stager) error {
	base := d.voiceBase
	if base == "" {
		base = DefaultVoiceBaseURL
	}
	u := strings.TrimRight(base, "/") + voicePath + "?mediaid=" + url.QueryEscape(fileID)
	return d.getFile(ctx, getSpec{what: "voice", url: u, limit: maxVoiceBytes, header: map[string]string{
		"User-Agent": browserUA,
		"Accept":     "audio/webm,audio/ogg,audio/wav,audio/*;q=0.9,application/ogg;q=0.7,*/*;q=0.5",
		"Referer":    "https://mp.weixin.qq.com/",
	}}, st)
}

// audioMIME maps the audio types a server may name to file extensions.
var audioMIME = map[string]string{
	"audio/mpeg": ".mp3", "audio/mp3": ".mp3", "audio/amr": ".amr", "audio/amr-wb": ".awb",
	"audio/mp4": ".m4a", "audio/x-m4a": ".m4a", "audio/m4a": ".m4a", "audio/aac": ".aac",
	"audio/ogg": ".ogg", "audio/opus": ".opus", "audio/wav": ".wav", "audio/x-wav": ".wav",
	"audio/wave": ".wav", "audio/flac": ".flac", "audio/silk": ".silk",
}

// audioType picks the file extension of a voice download: the bytes decide
// when they are a known audio format, then the Content-Type when it names
// audio. Anything else (an HTML error page, a JSON error, a picture) is
// refused, so a failed download is retried rather than stored as a voice.
func audioType(_, ctype string, data []byte) (ext, mimeType string, err error) {
	if len(data) == 0 {
		return "", "", downloadFailed("voice", false, "empty voice file")
	}
	if ext, mt := sniffAudio(data); ext != "" {
		return ext, mt, nil
	}
	sniffed := http.DetectContentType(data)
	if strings.HasPrefix(sniffed, "text/") || strings.HasPrefix(sniffed, "application/json") || strings.HasPrefix(sniffed, "image/") {
		return "", "", downloadFailed("voice", false, "not audio: the server sent %s", sniffed)
	}
	if mt, _, err := mime.ParseMediaType(ctype); err == nil {
		if e, ok := audioMIME[mt]; ok {
			return e, mt, nil
		}
		if strings.HasPrefix(mt, "audio/") {
			// Audio of a kind we cannot name: kept, under a neutral
			// extension, rather than lost.
			return ".bin", mt, nil
		}
	}
	return "", "", downloadFailed("voice", false, "not a known audio format (the server sent %s)", cmp.Or(ctype, sniffed))
}

// sniffAudio recognises the formats WeChat voice comes in (MP3 for the
// public player; AMR and SILK for recorded voice; M4A/AAC) and the common
// others, by their magic bytes.
func sniffAudio(b []byte) (ext, mimeType string) {
	switch {
	case bytes.HasPrefix(b, []byte("ID3")):
		return ".mp3", "audio/mpeg"
	case bytes.HasPrefix(b, []byte("#!AMR-WB\n")):
		return ".awb", "audio/amr-wb"
	case bytes.HasPrefix(b, []byte("#!AMR\n")):
		return ".amr", "audio/amr"
	case bytes.HasPrefix(b, []byte("#!SILK_V3")), bytes.HasPrefix(b, []byte("\x02#!SILK_V3")):
		return ".silk", "audio/silk"
	case bytes.HasPrefix(b, []byte("OggS")):
		return ".ogg", "audio/ogg"
	case bytes.HasPrefix(b, []byte("fLaC")):
		return ".flac", "audio/flac"
	case len(b) >= 12 && bytes.HasPrefix(b, []byte("RIFF")) && string(b[8:12]) == "WAVE":
		return ".wav", "audio/wav"
	case len(b) >= 12 && string(b[4:8]) == "ftyp":
		// An ISO media file downloaded as a voice is audio in an MP4
		// container, whatever its brand (M4A, mp42, isom).
		return ".m4a", "audio/mp4"
	case len(b) >= 4 && b[0] == 0xFF && b[1]&0xF6 == 0xF0 && b[2]>>2&0x0F < 13:
		// ADTS AAC: sync word, layer 0, a valid sampling rate index.
		return ".aac", "audio/aac"
	case len(b) >= 4 && isMPEGAudioFrame(b):
		return ".mp3", "audio/mpeg"
	}
	return "", ""
}

// isMPEGAudioFrame checks an MPEG audio frame header: the 11-bit sync, a
// version and layer that exist, and a bitrate and sampling rate that are
// not reserved. MP3 files without an ID3 tag start with one.
func isMPEGAudioFrame(b []byte) bool {
	version, layer := b[1]>>3&3, b[1]>>1&3
	bitrate, rate := b[2]>>4, b[2]>>2&3
	return b[0] == 0xFF && b[1]&0xE0 == 0xE0 && version != 1 && layer != 0 && bitrate != 15 && rate != 3
}
