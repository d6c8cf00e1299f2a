//go:build race

package main

// raceEnabled tells tests that measure memory that the race detector's
// shadow memory, which is not the program's, is counted too.
const raceEnabled = true
