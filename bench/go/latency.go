// Done→Wait wake latency in Go, the anchor for SharedWaitGroup's wake path: one goroutine
// parks in wg.Wait(), another calls wg.Done() after the waiter is asleep; measured from just
// before Done() to just after Wait() returns. Printed as JSON for bench/go.ts.
package main

import (
	"encoding/json"
	"os"
	"runtime"
	"sort"
	"sync"
	"time"
)

func main() {
	const samples = 2000
	runtime.GOMAXPROCS(2)
	latencies := make([]float64, 0, samples)
	for i := 0; i < samples; i++ {
		var wg sync.WaitGroup
		wg.Add(1)
		start := make(chan time.Time, 1)
		done := make(chan time.Duration, 1)
		go func() {
			wg.Wait()
			done <- time.Since(<-start)
		}()
		time.Sleep(200 * time.Microsecond) // let the waiter park, as a real waiter would be
		start <- time.Now()
		wg.Done()
		latencies = append(latencies, float64((<-done).Nanoseconds()))
	}
	sort.Float64s(latencies)
	json.NewEncoder(os.Stdout).Encode(map[string]float64{
		"median": latencies[len(latencies)/2],
		"p99":    latencies[len(latencies)*99/100],
	})
}
