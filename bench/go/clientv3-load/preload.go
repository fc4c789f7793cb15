package main

import (
	"context"
	"sync"
	"time"

	"go.etcd.io/etcd/clientv3"
)

// preloadResult is the JSON line the preload workload prints.
type preloadResult struct {
	Workload   string   `json:"workload"`
	Endpoints  []string `json:"endpoints"`
	Keys       int      `json:"keys"`
	ValueSize  int      `json:"value_size"`
	Txns       int      `json:"txns"`
	Seconds    float64  `json:"seconds"`
	Errors     int      `json:"errors"`
	FirstError string   `json:"first_error,omitempty"`
}

// preload puts every key of the key space once, in Txns of txnOpsMax puts, cfg.clients Txns in
// flight, so measured reads find their keys and both servers start from the same data.
func preload(cfg config, conns []*clientv3.Client) preloadResult {
	space := newKeySpace(cfg)
	batches := make(chan int)
	go func() {
		for first := 0; first < len(space.keys); first += txnOpsMax {
			batches <- first
		}
		close(batches)
	}()
	result := preloadResult{Workload: cfg.workload, Endpoints: cfg.endpoints, Keys: len(space.keys), ValueSize: cfg.valueSize}
	var mutex sync.Mutex
	var group sync.WaitGroup
	begin := time.Now()
	for i := 0; i < cfg.clients; i++ {
		group.Add(1)
		go func(client *clientv3.Client) {
			defer group.Done()
			for first := range batches {
				last := first + txnOpsMax
				if last > len(space.keys) {
					last = len(space.keys)
				}
				puts := make([]clientv3.Op, 0, last-first)
				for _, key := range space.keys[first:last] {
					puts = append(puts, clientv3.OpPut(key, space.value))
				}
				ctx, cancel := context.WithTimeout(context.Background(), cfg.requestTimeout)
				_, err := client.Txn(ctx).Then(puts...).Commit()
				cancel()
				mutex.Lock()
				result.Txns++
				if err != nil {
					result.Errors++
					if result.FirstError == "" {
						result.FirstError = err.Error()
					}
				}
				mutex.Unlock()
			}
		}(conns[i%len(conns)])
	}
	group.Wait()
	result.Seconds = time.Since(begin).Seconds()
	return result
}
