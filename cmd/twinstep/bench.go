package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/twinstep/twinstep/bench"
)

const benchHelp = `Usage: twinstep bench [flags]

Runs the same machine code (the workloads blob that make bench builds from
bench/workloads: a CPU-bound loop, SHA-256 over 1 MiB, CRC-32 over 4 MiB, a
quicksort of 256K integers) on the emulator, on Unicorn running freely and
on qemu-user, and prints each engine's speed in millions of instructions
per CPU-second and the emulator's ratio to the others. The engines take
turns in every round, so a noisy machine slows them alike; each figure is
the median round. The instruction counts are the emulator's (the same bytes
and inputs everywhere); an engine whose answer differs is an error.
`

func runBench(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("bench", benchHelp)
	blob := fs.String("blob", filepath.Join("build", "bench", "workloads.elf"), "the workloads blob")
	rounds := fs.Int("rounds", 3, "rounds per workload")
	noQEMU := fs.Bool("no-qemu", false, "leave qemu-user out")
	if ok, code := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if *rounds < 1 {
		fmt.Fprintf(stderr, "twinstep bench: -rounds %d: want 1 or more\n", *rounds)
		return exitUsage
	}
	b, err := bench.Load(*blob)
	if err != nil {
		return fail(stderr, "bench", err)
	}
	runners := []bench.Runner{bench.Emulator{}, bench.Unicorn{}}
	if !*noQEMU {
		q, err := bench.NewQEMUUser(b)
		if err != nil {
			return fail(stderr, "bench", fmt.Errorf("%w; --no-qemu leaves it out", err))
		}
		runners = append(runners, q)
	}
	res, err := bench.Compare(b, runners, bench.Workloads, *rounds)
	if err != nil {
		return fail(stderr, "bench", err)
	}
	var names []string
	for _, r := range runners {
		names = append(names, r.Name())
	}
	if err := bench.Table(res, names).Render(stdout); err != nil {
		return fail(stderr, "bench", err)
	}
	return exitOK
}
