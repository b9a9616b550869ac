// Tributary's addition to Chukcha's integration package, compiled in with `go test -overlay` by
// ChukchaHarnessTest; Chukcha's own files are built unchanged. Chukcha's harness starts Chukcha
// servers in-process (runChukcha); here its send and receive run instead against `tributary bus`
// nodes that the Java test started, named as the harness names its nodes (moscow, voronezh), and
// whose addresses it passes in TRIBUTARY_BUS_ADDRS. The Java test also writes the harness's
// pre-existing chunk (moscow-chunk000000001 holding "12345\n") before moscow starts.
package integration

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/YuriyNasretdinov/chukcha/client"
)

// The harness's alreadyWant: the message in the chunk that existed before the node started.
const preExisting = 12345

func busClient(t *testing.T) *client.Simple {
	addrs := os.Getenv("TRIBUTARY_BUS_ADDRS")
	if addrs == "" {
		t.Fatal("TRIBUTARY_BUS_ADDRS is not set: this test runs from Tributary's ChukchaHarnessTest")
	}
	return client.NewSimple(strings.Split(addrs, ","))
}

// As the harness's simpleClientAndServerTest(t, true, true), with its sum check: the reader
// runs while the writer sends 0..maxN, with the harness's random temporary errors in processing.
func TestTributaryBusConcurrently(t *testing.T) {
	// The harness's receive returns only once the sum is complete: Chukcha's client waits in
	// Process for messages that never come if some are lost. The deadline turns that into an error.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Second)
	defer cancel()
	want, got, err := sendAndReceiveConcurrently(ctx, busClient(t), true)
	if err != nil {
		t.Fatalf("sendAndReceiveConcurrently: %v", err)
	}
	want += preExisting
	if want != got {
		t.Errorf("the expected sum %d is not equal to the actual sum %d (delivered %1.f%%)", want, got, (float64(got)/float64(want))*100)
	}
}

// The harness's send, then Chukcha's client reads every message, counting each: the sum alone
// would not show a message read twice and another lost. Halfway, the reader is replaced by a new
// one restored from the state the old one saved (MarshalState), as an application restarts.
func TestTributaryBusEachMessageOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Second)
	defer cancel()
	s := busClient(t)
	if _, err := send(ctx, s); err != nil {
		t.Fatalf("send: %v", err)
	}
	seen := make([]uint8, maxN+1)
	read := 0
	count := func(res []byte) error {
		for _, line := range strings.Split(strings.TrimSuffix(string(res), "\n"), "\n") {
			n, err := strconv.Atoi(line)
			if err != nil || n < 0 || n > maxN {
				t.Fatalf("read %q, which was never sent", line)
			}
			seen[n]++
			read++
		}
		return nil
	}
	scratch := make([]byte, maxBufferSize)
	for read < (maxN+2)/2 {
		if err := s.Process(ctx, "numbers", scratch, count); err != nil {
			t.Fatalf("Process: %v", err)
		}
	}
	state, err := s.MarshalState()
	if err != nil {
		t.Fatalf("MarshalState: %v", err)
	}
	s = busClient(t)
	if err := s.RestoreSavedState(state); err != nil {
		t.Fatalf("RestoreSavedState: %v", err)
	}
	for read < maxN+2 {
		if err := s.Process(ctx, "numbers", scratch, count); err != nil {
			t.Fatalf("Process: %v", err)
		}
	}
	for n, times := range seen {
		want := uint8(1)
		if n == preExisting {
			want = 2
		}
		if times != want {
			t.Fatalf("message %d read %d times, want %d (%d messages read in all)", n, times, want, read)
		}
	}
}
