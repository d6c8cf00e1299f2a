package output

import (
	"os"
	"testing"

	"github.com/mparchive/mparchive/internal/testscratch"
)

func TestMain(m *testing.M) {
	testscratch.InMemory()
	os.Exit(m.Run())
}
