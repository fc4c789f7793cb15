// Command clientv3-load drives an etcd v3 cluster with etcd's own Go client, clientv3, so cairn
// and etcd face the very client their users run (Kubernetes, etcdctl, operators). Its shape is
// that of etcd's tools/benchmark: --clients goroutines, each with one request in flight, share
// --conns clientv3 clients round-robin; keys are drawn at random from the key space. It prints
// one JSON line (see loadResult and preloadResult). Usage: clientv3-load --help.
//
// Built by bench/clientv3/go-build.ts in GOPATH mode against Debian's golang-etcd-server-dev
// (etcd 3.4's sources under /usr/share/gocode), so no module download is needed.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"go.etcd.io/etcd/clientv3"
	"go.etcd.io/etcd/pkg/logutil"
	"go.uber.org/zap"
	"google.golang.org/grpc"
)

func main() {
	cfg, err := parseArgs(os.Args[1:])
	if err == errHelp {
		fmt.Print(usageText)
		return
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "clientv3-load: %v\n\n%s", err, usageText)
		os.Exit(2)
	}
	conns, err := dial(cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "clientv3-load: %v\n", err)
		os.Exit(1)
	}
	defer func() {
		for _, conn := range conns {
			conn.Close()
		}
	}()
	var result interface{}
	failed := false
	if cfg.workload == "preload" {
		loaded := preload(cfg, conns)
		result, failed = loaded, loaded.Errors > 0
	} else if result, err = runLoad(cfg, conns); err != nil {
		fmt.Fprintf(os.Stderr, "clientv3-load: %v\n", err)
		os.Exit(1)
	}
	if err := json.NewEncoder(os.Stdout).Encode(result); err != nil {
		fmt.Fprintf(os.Stderr, "clientv3-load: %v\n", err)
		os.Exit(1)
	}
	if failed {
		os.Exit(1)
	}
}

// dial opens cfg.conns clientv3 clients, each balancing over every endpoint, and waits until
// each has connected (grpc.WithBlock), so a server that is not there fails the run at once.
func dial(cfg config) ([]*clientv3.Client, error) {
	// Requests still in flight when the clock stops are cancelled on purpose; the client's own
	// warnings about them (one per request) would drown the errors that matter.
	logConfig := logutil.DefaultZapLoggerConfig
	logConfig.Level = zap.NewAtomicLevelAt(zap.ErrorLevel)
	conns := make([]*clientv3.Client, 0, cfg.conns)
	for i := 0; i < cfg.conns; i++ {
		conn, err := clientv3.New(clientv3.Config{
			Endpoints: cfg.endpoints, DialTimeout: cfg.dialTimeout, DialOptions: []grpc.DialOption{grpc.WithBlock()},
			LogConfig: &logConfig,
		})
		if err != nil {
			for _, opened := range conns {
				opened.Close()
			}
			return nil, fmt.Errorf("connecting to %v: %w", cfg.endpoints, err)
		}
		conns = append(conns, conn)
	}
	return conns, nil
}
