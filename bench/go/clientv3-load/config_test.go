package main

import (
	"strings"
	"testing"
	"time"
)

func TestFlagsMayComeBeforeOrAfterTheWorkload(t *testing.T) {
	cfg, err := parseArgs([]string{"--clients", "100", "put", "--conns=10", "--endpoints", "a:1, b:2", "--duration", "1.5s"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.workload != "put" || cfg.clients != 100 || cfg.conns != 10 || cfg.duration != 1500*time.Millisecond ||
		strings.Join(cfg.endpoints, ",") != "a:1,b:2" || cfg.keySize != 8 || cfg.valueSize != 256 || cfg.keySpace != 100000 {
		t.Fatalf("%+v", cfg)
	}
}

func TestBadCommandLinesAreRefusedWithTheReason(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{}, "expected one workload"},
		{[]string{"put", "range"}, "expected one workload"},
		{[]string{"delete"}, "unknown workload"},
		{[]string{"put", "--clients", "2", "--conns", "3"}, "cannot exceed --clients"},
		{[]string{"put", "--key-space-size", "1001", "--key-size", "3"}, "needs keys longer"},
		{[]string{"range", "--consistency", "x"}, "--consistency is l or s"},
		{[]string{"put", "--bogus"}, "flag provided but not defined"},
	} {
		if _, err := parseArgs(c.args); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want %q", c.args, err, c.want)
		}
	}
	if _, err := parseArgs([]string{"--help"}); err != errHelp {
		t.Errorf("--help: got %v", err)
	}
}

func TestKeysAreZeroPaddedSoTheyRangeInOrder(t *testing.T) {
	if keyOf(42, 8) != "00000042" || keyOf(99999, 5) != "99999" {
		t.Fatal(keyOf(42, 8), keyOf(99999, 5))
	}
	space := newKeySpace(config{keySpace: 1000, keySize: 8, valueSize: 256, seed: 1})
	if index, ok := space.indexOf("00000500"); !ok || index != 500 {
		t.Fatal(index, ok)
	}
	if _, ok := space.indexOf("00001000"); ok {
		t.Fatal("a key outside the space was found")
	}
	if len(space.value) != 256 {
		t.Fatal(len(space.value))
	}
}
