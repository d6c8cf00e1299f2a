package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/mparchive/mparchive/archive"
	"github.com/mparchive/mparchive/exporter"
	"github.com/mparchive/mparchive/internal/lazyregexp"
)

// Since July 2025 WeChat refuses personal and unverified accounts every
// freepublish endpoint, reading included (48001). Those are most accounts,
// and for them the published articles exist only as public pages, which
// the urls source reads. This file tells such a user so, once, with the
// command that works.

// defaultLinksFile is the file name suggested for article links when the
// run was given none.
const defaultLinksFile = "links.txt"

// refusedNow lists the sources WeChat refused the account in this run, as
// opposed to those skipped because an earlier run found them refused.
func refusedNow(sum *exporter.Summary) []archive.Source {
	if sum == nil {
		return nil
	}
	var out []archive.Source
	for _, src := range archive.Sources {
		if ss := sum.Sources[src]; ss != nil && ss.Refused != nil && !ss.Skipped {
			out = append(out, src)
		}
	}
	return out
}

// explainRefusals tells, after a run's summary and even with --quiet, why
// a source was refused, what the other sources did, and what to run
// instead. Runs that skip a source refused before say nothing here: the
// summary's one line on it is enough.
func explainRefusals(rep *reporter, ff *fetchFlags, sum *exporter.Summary) {
	refused := refusedNow(sum)
	if len(refused) == 0 {
		return
	}
	var lines []string
	for _, src := range refused {
		r := sum.Sources[src].Refused
		if isPublishing(r.Endpoint) {
			lines = append(lines,
				fmt.Sprintf("%s: WeChat refused this account the list of its published articles (errcode %d from %s).", src, r.Code, r.Endpoint),
				"Since July 2025 WeChat lets only verified accounts (微信认证) call freepublish/*, reading included;",
				"personal and unverified accounts lost it, and no re-run changes that. "+otherSources(sum, refused))
			lines = append(lines, linksSteps(ff.urlsFile, ff.nextCommand(refused))...)
		} else {
			lines = append(lines,
				fmt.Sprintf("%s: WeChat refused this account %s (errcode %d from %s): permissions depend on the account type", src, src, r.Code, r.Endpoint),
				"and verification (微信认证); see 设置与开发 → 接口权限 in the MP console. "+otherSources(sum, refused))
		}
		if ff.explicit {
			leave := "leave it out of --source"
			if isPublishing(r.Endpoint) {
				leave = "the command above leaves it out"
			}
			lines = append(lines, fmt.Sprintf("--source names %s, so every run tries it and exits 1 while WeChat refuses it; %s.", src, leave))
		} else {
			lines = append(lines, fmt.Sprintf("Later runs skip %s, with one line in their summary; --source %s tries it again (after 微信认证, say).", src, src))
		}
	}
	rep.Always(lines)
}

// isPublishing tells the endpoints of WeChat's 发布能力 (freepublish/*).
func isPublishing(endpoint string) bool {
	return strings.HasPrefix(endpoint, "/cgi-bin/freepublish/")
}

// linksSteps says how to collect the links of the published articles and
// what to run with them.
func linksSteps(urlsFile, command string) []string {
	step2 := "  2. put the links into a text file, one a line, say " + defaultLinksFile + ";"
	if urlsFile != "" {
		step2 = "  2. add the links to " + urlsFile + ", one a line;"
	}
	return []string{
		"The published articles are still on their public pages, and mparchive backs them up from their links:",
		"  1. in the MP console (mp.weixin.qq.com) open 内容管理 → 发表记录 and use 复制链接 on each article;",
		step2,
		"  3. run: " + command,
	}
}

// otherSources says how the run's other sources went.
func otherSources(sum *exporter.Summary, refused []archive.Source) string {
	var done, undone []string
	note := func(name string, complete bool) {
		if complete {
			done = append(done, name)
		} else {
			undone = append(undone, name)
		}
	}
	for _, src := range archive.Sources {
		ss := sum.Sources[src]
		if ss == nil || ss.Refused != nil {
			continue
		}
		note(string(src), ss.Complete)
	}
	if ms := sum.Materials; ms != nil {
		for _, kind := range archive.MaterialKinds {
			if ks := ms.Kinds[kind]; ks != nil {
				note(materialName(kind), ks.Complete)
			}
		}
	}
	switch {
	case len(done) > 0 && len(undone) == 0:
		return "The other sources were backed up: " + strings.Join(done, ", ") + "."
	case len(done) > 0:
		return "The other sources were backed up: " + strings.Join(done, ", ") + "; " + strings.Join(undone, ", ") + " did not finish (see above)."
	case len(undone) > 0:
		return "The other sources did not finish: " + strings.Join(undone, ", ") + " (see above)."
	}
	return "No other source was asked for."
}

// materialName is a material kind as --source spells it.
func materialName(kind archive.MaterialKind) string {
	if kind == archive.ImageMaterial {
		return "images"
	}
	return string(kind)
}

// nextCommand writes this run's command again for what the account allows:
// every flag as given, an explicit --source without the refused sources,
// and the urls source with its links file.
func (f *fetchFlags) nextCommand(refused []archive.Source) string {
	var extra []string
	if f.explicit {
		isRefused := map[string]bool{string(archive.URLs): true}
		for _, src := range refused {
			isRefused[string(src)] = true
		}
		var keep []string
		for _, name := range strings.Split(f.sources, ",") {
			name = strings.TrimSpace(name)
			if name == "" || isRefused[name] {
				continue
			}
			isRefused[name] = true // once each
			keep = append(keep, name)
		}
		if len(keep) == 0 {
			keep = []string{string(archive.URLs)}
		}
		extra = append(extra, "--source", shellQuote(strings.Join(keep, ",")))
	}
	file := f.urlsFile
	if file == "" {
		file = defaultLinksFile
	}
	extra = append(extra, "--urls", shellQuote(file))
	return commandLine(f.cmd, f.fs, map[string]bool{"source": true, "urls": true}, extra)
}

// commandLine writes "mparchive cmd" with the flags set in fs (in flag
// name order, leaving out skip) and then extra. An access token is not
// written out: it is a secret, and a short-lived one.
func commandLine(cmd string, fs *flag.FlagSet, skip map[string]bool, extra []string) string {
	parts := []string{"mparchive", cmd}
	if fs != nil {
		fs.Visit(func(fl *flag.Flag) {
			if skip[fl.Name] {
				return
			}
			name := "--" + fl.Name
			if len(fl.Name) == 1 {
				name = "-" + fl.Name
			}
			if b, ok := fl.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
				if fl.Value.String() != "true" {
					name += "=false"
				}
				parts = append(parts, name)
				return
			}
			value := fl.Value.String()
			if fl.Name == "access-token" {
				value = "TOKEN"
			}
			parts = append(parts, name, shellQuote(value))
		})
	}
	return strings.Join(append(parts, extra...), " ")
}

var shellSafe = lazyregexp.New(`^[A-Za-z0-9_./:=,@%+-]+$`)

// shellQuote quotes a word for a POSIX shell when it needs quoting.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
