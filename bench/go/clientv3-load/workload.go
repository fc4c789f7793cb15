package main

import (
	"context"
	"fmt"
	"math/rand"
	"sync/atomic"

	"go.etcd.io/etcd/clientv3"
)

// casAttemptsMax bounds the retries of one compare-and-swap put: with a few clients over a large
// key space a conflict is rare, so this many in a row means something is wrong, not busy.
const casAttemptsMax = 100

// primePageKeys is how many keys one priming Range asks for (keys only: ~50 B of answer each).
const primePageKeys = 10000

// outcome is what one request adds to its goroutine's counters besides its latency.
type outcome struct {
	// emptyRange: a range found no key (the key space was not preloaded).
	emptyRange bool
	// casRetries: compares that failed before the one that succeeded.
	casRetries int
}

// operation issues one request of the workload for a key chosen with rng.
type operation func(ctx context.Context, client *clientv3.Client, rng *rand.Rand) (outcome, error)

// keySpace holds every key of the run, built once so no request formats one.
type keySpace struct {
	keys  []string
	value string
	// revisions[i]: the mod_revision last seen for keys[i] (txn only).
	revisions []int64
}

func newKeySpace(cfg config) *keySpace {
	keys := make([]string, cfg.keySpace)
	for i := range keys {
		keys[i] = keyOf(i, cfg.keySize)
	}
	// One value for every put, as etcd's benchmark does; its bytes do not matter to either server.
	value := make([]byte, cfg.valueSize)
	rand.New(rand.NewSource(cfg.seed)).Read(value)
	return &keySpace{keys: keys, value: string(value)}
}

func (space *keySpace) operation(cfg config) operation {
	switch cfg.workload {
	case "put":
		return func(ctx context.Context, client *clientv3.Client, rng *rand.Rand) (outcome, error) {
			_, err := client.Put(ctx, space.keys[rng.Intn(len(space.keys))], space.value)
			return outcome{}, err
		}
	case "range":
		var options []clientv3.OpOption
		if cfg.consistency == "s" {
			options = append(options, clientv3.WithSerializable())
		}
		return func(ctx context.Context, client *clientv3.Client, rng *rand.Rand) (outcome, error) {
			response, err := client.Get(ctx, space.keys[rng.Intn(len(space.keys))], options...)
			if err != nil {
				return outcome{}, err
			}
			return outcome{emptyRange: len(response.Kvs) == 0}, nil
		}
	case "txn":
		return space.compareAndSwapPut
	}
	panic("no operation for workload " + cfg.workload)
}

// compareAndSwapPut puts a random key if its mod_revision is the one last seen, as Kubernetes
// updates an object; when another writer got there first it reads the key's revision in the same
// Txn and tries again.
func (space *keySpace) compareAndSwapPut(ctx context.Context, client *clientv3.Client, rng *rand.Rand) (outcome, error) {
	index := rng.Intn(len(space.keys))
	key := space.keys[index]
	for attempt := 0; attempt < casAttemptsMax; attempt++ {
		expected := atomic.LoadInt64(&space.revisions[index])
		response, err := client.Txn(ctx).
			If(clientv3.Compare(clientv3.ModRevision(key), "=", expected)).
			Then(clientv3.OpPut(key, space.value)).
			Else(clientv3.OpGet(key, clientv3.WithKeysOnly())).
			Commit()
		if err != nil {
			return outcome{casRetries: attempt}, err
		}
		if response.Succeeded {
			atomic.StoreInt64(&space.revisions[index], response.Header.Revision)
			return outcome{casRetries: attempt}, nil
		}
		observed := int64(0)
		if kvs := response.Responses[0].GetResponseRange().GetKvs(); len(kvs) > 0 {
			observed = kvs[0].ModRevision
		}
		atomic.StoreInt64(&space.revisions[index], observed)
	}
	return outcome{casRetries: casAttemptsMax}, fmt.Errorf("compare-and-swap: %d compares in a row failed", casAttemptsMax)
}

// primeRevisions reads the mod_revision of every key (linearizable Ranges, keys only, in pages),
// as a Kubernetes client lists before it updates, so the first compare of each key can succeed.
func (space *keySpace) primeRevisions(ctx context.Context, client *clientv3.Client) error {
	space.revisions = make([]int64, len(space.keys))
	end := space.keys[len(space.keys)-1] + "\x00"
	from := space.keys[0]
	for {
		response, err := client.Get(ctx, from, clientv3.WithRange(end), clientv3.WithKeysOnly(), clientv3.WithLimit(primePageKeys))
		if err != nil {
			return fmt.Errorf("reading the key space's revisions: %w", err)
		}
		for _, kv := range response.Kvs {
			if index, ok := space.indexOf(string(kv.Key)); ok {
				space.revisions[index] = kv.ModRevision
			}
		}
		if !response.More || len(response.Kvs) == 0 {
			return nil
		}
		from = string(response.Kvs[len(response.Kvs)-1].Key) + "\x00"
	}
}

// indexOf finds a key's index (keys are sorted: they are zero-padded decimals of one length).
func (space *keySpace) indexOf(key string) (int, bool) {
	low, high := 0, len(space.keys)
	for low < high {
		middle := (low + high) / 2
		if space.keys[middle] < key {
			low = middle + 1
		} else {
			high = middle
		}
	}
	return low, low < len(space.keys) && space.keys[low] == key
}
