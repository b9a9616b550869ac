// Command loadgen is the load generator of scripts/bench-vs-chukcha: one process, standard
// library only, that drives Tributary's capture, Tributary's bus and Chukcha with the same HTTP
// client, so that the servers are compared under one generator rather than two.
//
// Closed loop (-rate 0): each of -conns connections sends its next request when the previous one
// is answered. Open loop (-rate R): request i is due at start + i/R whatever happened before, and
// its latency runs from when it was due (coordinated omission corrected), waiting for a free
// connection included; how late the generator's own scheduler handed it out (its lag, the
// generator's share and not the server's) is reported apart.
//
// Bodies (-shape): "event" is one {"event":"bench","event_id":...,"pad":"x..."} object of -bytes
// bytes; "ndjson" is -events such events, one per line; "lines" is -events lines of -bytes bytes
// each (the bus's and Chukcha's message format). Every event id is unique across runs.
//
// Output is one line of key=value pairs, for the script to print and compare.
package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

var (
	url      = flag.String("url", "", "target URL, e.g. http://127.0.0.1:8080/v1/events")
	shape    = flag.String("shape", "event", "body shape: event, ndjson or lines")
	size     = flag.Int("bytes", 1024, "bytes per event or line")
	events   = flag.Int("events", 1, "events (or lines) per request")
	conns    = flag.Int("conns", 16, "connections")
	rate     = flag.Float64("rate", 0, "requests per second (open loop); 0 runs a closed loop")
	duration = flag.Duration("duration", 20*time.Second, "measured time")
	warmup   = flag.Duration("warmup", 5*time.Second, "unmeasured load before it")
	token    = flag.String("token", "", "bearer token, if any")
)

func main() {
	flag.Parse()
	if *url == "" || *events < 1 || *conns < 1 || *size < 64 {
		fmt.Fprintln(os.Stderr, "usage: loadgen -url URL [-shape event|ndjson|lines] [-bytes N] [-events N] [-conns N] [-rate R] [-duration D] [-warmup D]")
		os.Exit(2)
	}
	b := newBodies()
	client := &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: *conns, MaxConnsPerHost: *conns, DisableCompression: true,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	}, Timeout: 30 * time.Second}
	var r result
	if *rate > 0 {
		r = openLoop(client, b)
	} else {
		r = closedLoop(client, b)
	}
	r.print()
}

type bodies struct {
	contentType string
	template    []byte
	seqAt       []int // where each event's 16-digit sequence number sits in the template
}

func newBodies() *bodies {
	run := make([]byte, 8)
	rand.Read(run)
	runID := hex.EncodeToString(run)
	var buf bytes.Buffer
	b := &bodies{contentType: "application/json"}
	for i := 0; i < *events; i++ {
		switch *shape {
		case "event", "ndjson":
			head := `{"event":"bench","event_id":"` + runID + "-"
			tail := `","pad":"`
			pad := *size - len(head) - 16 - len(tail) - 2
			if pad < 0 {
				pad = 0
			}
			buf.WriteString(head)
			b.seqAt = append(b.seqAt, buf.Len())
			buf.WriteString("0000000000000000" + tail + string(bytes.Repeat([]byte("x"), pad)) + `"}`)
			if *shape == "ndjson" {
				buf.WriteByte('\n')
				b.contentType = "application/x-ndjson"
			}
		case "lines":
			b.seqAt = append(b.seqAt, buf.Len()+len(runID)+1)
			buf.WriteString(runID + "-0000000000000000 " + string(bytes.Repeat([]byte("x"), *size-len(runID)-18)) + "\n")
			b.contentType = "text/plain"
		default:
			fmt.Fprintln(os.Stderr, "unknown -shape", *shape)
			os.Exit(2)
		}
	}
	if *shape == "event" && *events != 1 {
		fmt.Fprintln(os.Stderr, "-shape event sends one event per request; use -shape ndjson for more")
		os.Exit(2)
	}
	b.template = buf.Bytes()
	return b
}

// body of request n: a copy of the template with its events' sequence numbers filled in.
func (b *bodies) body(n int64) []byte {
	out := append([]byte(nil), b.template...)
	for i, at := range b.seqAt {
		s := strconv.FormatInt(n*int64(len(b.seqAt))+int64(i), 10)
		copy(out[at+16-len(s):at+16], s)
	}
	return out
}

func send(client *http.Client, b *bodies, n int64) error {
	req, _ := http.NewRequest(http.MethodPost, *url, bytes.NewReader(b.body(n)))
	req.Header.Set("Content-Type", b.contentType)
	if *token != "" {
		req.Header.Set("Authorization", "Bearer "+*token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

type result struct {
	mode      string
	ok        int64
	errors    map[string]int64
	seconds   float64
	latencies []time.Duration // answered requests of the measured part
	lags      []time.Duration // open loop: how late the generator's scheduler handed each one out
}

type recorder struct {
	mu        sync.Mutex
	latencies []time.Duration
	lags      []time.Duration
	errors    map[string]int64
}

func (r *recorder) record(latency, lag time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.errors[err.Error()]++
		return
	}
	r.latencies = append(r.latencies, latency)
	r.lags = append(r.lags, lag)
}

func closedLoop(client *http.Client, b *bodies) result {
	rec := &recorder{errors: map[string]int64{}}
	var next int64
	start := time.Now()
	measureFrom := start.Add(*warmup)
	end := measureFrom.Add(*duration)
	var wg sync.WaitGroup
	for c := 0; c < *conns; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				sent := time.Now()
				if !sent.Before(end) {
					return
				}
				err := send(client, b, atomic.AddInt64(&next, 1))
				if !sent.Before(measureFrom) {
					rec.record(time.Since(sent), 0, err)
				}
			}
		}()
	}
	wg.Wait()
	return rec.result("closed", duration.Seconds(), false)
}

func openLoop(client *http.Client, b *bodies) result {
	rec := &recorder{errors: map[string]int64{}}
	interval := float64(time.Second) / *rate
	warm := int64(warmup.Seconds() * *rate)
	total := warm + int64(duration.Seconds()**rate)
	// Requests wait for a free connection in this queue; it holds a second of load, so a server
	// that stalls is charged for the queue it causes instead of the generator dropping requests.
	type due struct {
		i   int64
		lag time.Duration
	}
	queue := make(chan due, int(*rate)+1)
	start := time.Now().Add(10 * time.Millisecond)
	var wg sync.WaitGroup
	for c := 0; c < *conns; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range queue {
				at := start.Add(time.Duration(float64(d.i) * interval))
				err := send(client, b, d.i)
				if d.i >= warm {
					rec.record(time.Since(at), d.lag, err)
				}
			}
		}()
	}
	for i := int64(0); i < total; i++ {
		at := start.Add(time.Duration(float64(i) * interval))
		if d := time.Until(at); d > 0 {
			time.Sleep(d)
		}
		queue <- due{i, time.Since(at)}
	}
	close(queue)
	wg.Wait()
	return rec.result("open", duration.Seconds(), true)
}

func (r *recorder) result(mode string, seconds float64, lags bool) result {
	res := result{mode: mode, ok: int64(len(r.latencies)), errors: r.errors, seconds: seconds, latencies: r.latencies}
	if lags {
		res.lags = r.lags
	}
	return res
}

func pct(d []time.Duration, p float64) string {
	if len(d) == 0 {
		return "-"
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	i := int(p / 100 * float64(len(d)-1))
	return fmt.Sprintf("%.2f", float64(d[i])/1e6)
}

func (r result) print() {
	errs := int64(0)
	for _, n := range r.errors {
		errs += n
	}
	fmt.Printf("mode=%s requests=%d errors=%d req_per_s=%.0f events_per_s=%.0f p50_ms=%s p99_ms=%s p999_ms=%s",
		r.mode, r.ok, errs, float64(r.ok)/r.seconds, float64(r.ok)*float64(*events)/r.seconds,
		pct(r.latencies, 50), pct(r.latencies, 99), pct(r.latencies, 99.9))
	if r.lags != nil {
		fmt.Printf(" gen_lag_p50_ms=%s gen_lag_p99_ms=%s", pct(r.lags, 50), pct(r.lags, 99))
	}
	fmt.Println()
	for e, n := range r.errors {
		fmt.Fprintf(os.Stderr, "loadgen: %d × %s\n", n, e)
	}
}
