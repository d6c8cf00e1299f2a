package archive

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"time"
)

// startedAfter reports whether the process pid started after t, which means
// the pid was reused: the run that wrote a lock at t is gone, and another
// process now has its number. Linux tells a process's start from
// /proc/<pid>/stat (field 22, clock ticks after boot) and /proc/stat
// (btime, boot in Unix seconds). Anything unreadable answers false, which
// keeps the lock: wrongly taking a lock is worse than asking the user.
func startedAfter(pid int, t time.Time) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The command name in field 2 may hold spaces; fields count from after it.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return false
	}
	fields := strings.Fields(string(stat[i+1:]))
	if len(fields) < 20 {
		return false
	}
	ticks, err := strconv.ParseInt(fields[19], 10, 64) // field 22 overall
	if err != nil {
		return false
	}
	boot, ok := bootTime()
	if !ok {
		return false
	}
	// The kernel's USER_HZ is 100 on every Linux architecture Go supports.
	started := boot.Add(time.Duration(ticks) * time.Second / 100)
	// Lock times are kept to the second; allow for that and for tick rounding.
	return started.After(t.Add(2 * time.Second))
}

func bootTime() (time.Time, bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return time.Time{}, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			sec, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return time.Unix(sec, 0), err == nil
		}
	}
	return time.Time{}, false
}
