package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/mparchive/mparchive/exporter"
)

// runCheck asks WeChat what the account may back up, before a backup
// finds out the slow way: a token, one item from each list, the material
// counts and each endpoint's quota left today. It exits 0 whenever the
// check ran, refusals included: they are its findings, printed with what
// to do about each. Only a check that could not run (no token, a refused
// token, a wrong command line) fails.
func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("check", "check [--demo] [--api-base URL] [--config FILE] [flags]\n\n"+
		"Gets a token with the credentials export would use (environment, config file or flags),\n"+
		"asks each list endpoint for one item, get_materialcount for the materials and\n"+
		"openapi/quota/get for each endpoint, and prints which sources this account can list,\n"+
		"how many items each holds, the calls left today, and what to do about each refusal.\n"+
		"Exit code 0 when the check ran (whatever it found), 1 when no token could be had", stderr)
	var ff fetchFlags
	ff.registerAPI(fs)
	if err := parseFlagsOnly(fs, args); err != nil {
		return err
	}
	ff.parsed("check", fs)
	rep := newReporter(stderr, false)
	c, _, stop, err := ff.client(rep)
	if err != nil {
		return err
	}
	defer stop()
	report, err := c.Check(ctx)
	if err != nil {
		return err
	}
	printCheck(stdout, &ff, report)
	return nil
}

// printCheck writes the table and, below it, what to do about each source
// the account cannot list.
func printCheck(w io.Writer, ff *fetchFlags, report *exporter.CheckReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "source\tlists\titems\tendpoint\tcalls left today")
	for _, row := range report.Rows {
		lists, items := "yes", strconv.Itoa(row.Items)
		if row.Err != nil {
			lists, items = "no ("+errCode(row.Err)+")", "-"
		}
		quota := "unknown (" + errCode(row.QuotaErr) + ")"
		if q := row.Quota; q != nil {
			quota = fmt.Sprintf("%d of %d", q.Remain, q.DailyLimit)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", checkName(row.Source), lists, items, row.QuotaPath, quota)
	}
	tw.Flush()

	var lines []string
	publishedOK := false
	// Refusals other than the July 2025 one are grouped by what to do,
	// so that an IP missing from the whitelist is told once, not per row.
	var keys []string
	groups := map[string][]string{}
	for _, row := range report.Rows {
		name := checkName(row.Source)
		var apiErr *exporter.APIError
		switch {
		case row.Err == nil:
			publishedOK = publishedOK || isPublishing(row.Endpoint)
		case errors.As(row.Err, &apiErr) && apiErr.Code == 48001 && isPublishing(apiErr.Endpoint):
			lines = append(lines,
				fmt.Sprintf("%s: WeChat refuses this account freepublish/* (errcode 48001): since July 2025 it lets only verified", name),
				"accounts (微信认证) call it, reading included; personal and unverified accounts lost it.")
			lines = append(lines, linksSteps("", commandLine("export", ff.fs, nil, []string{"-o", "backup", "--urls", defaultLinksFile}))...)
		default:
			key := row.Err.Error()
			if apiErr != nil && apiErr.Advice() != "" {
				key = fmt.Sprintf("errcode %d: %s", apiErr.Code, apiErr.Advice())
			}
			if _, seen := groups[key]; !seen {
				keys = append(keys, key)
			}
			groups[key] = append(groups[key], name)
		}
	}
	for _, key := range keys {
		lines = append(lines, strings.Join(groups[key], ", ")+": "+key)
	}
	if publishedOK {
		lines = append(lines, "No API lists the articles mass-sent (群发) since 2022: back them up by their links with --urls FILE.")
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, strings.Join(lines, "\n"))
}

// errCode is the errcode of an API error, or "error" for another failure.
func errCode(err error) string {
	var apiErr *exporter.APIError
	if errors.As(err, &apiErr) {
		return strconv.Itoa(apiErr.Code)
	}
	return "error"
}

// checkName is a row's source as --source spells it.
func checkName(source string) string {
	if source == "image" {
		return "images"
	}
	return source
}
