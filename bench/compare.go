package bench

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/twinstep/twinstep/reports"
)

// Result is every engine's runs of one workload.
type Result struct {
	Workload Workload
	Retired  uint64                     // the emulator's instruction count
	Runs     map[string][]time.Duration // CPU time per round, by engine
}

// MIPS is an engine's speed on the workload in millions of instructions
// per CPU-second, from its median round.
func (r *Result) MIPS(engine string) float64 {
	d := slices.Clone(r.Runs[engine])
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return float64(r.Retired) / d[len(d)/2].Seconds() / 1e6
}

// Compare runs every workload rounds times on each runner. The engines take
// turns within a round, in an order that rotates from round to round, so a
// machine that slows down for a while slows them all alike. The first
// runner must be the emulator: its count is every engine's count. A
// workload whose answer differs between engines is an error.
func Compare(b *Blob, runners []Runner, workloads []Workload, rounds int) ([]Result, error) {
	if len(runners) == 0 || runners[0].Name() != "emulator" {
		return nil, errors.New("bench: the emulator must be the first engine (it counts the instructions)")
	}
	out := make([]Result, len(workloads))
	for i, w := range workloads {
		out[i] = Result{Workload: w, Runs: map[string][]time.Duration{}}
	}
	for round := range rounds {
		for i, w := range workloads {
			res := &out[i]
			got := make(map[string]Measure, len(runners))
			for k := range runners {
				r := runners[(k+round)%len(runners)]
				m, err := r.Run(b, w.N)
				if err != nil {
					return nil, fmt.Errorf("%s on %s: %w", w.Name, r.Name(), err)
				}
				res.Runs[r.Name()] = append(res.Runs[r.Name()], m.CPU)
				got[r.Name()] = m
			}
			emu := got["emulator"]
			if res.Retired != 0 && emu.Retired != res.Retired {
				return nil, fmt.Errorf("%s: the emulator counted %d instructions, then %d", w.Name, res.Retired, emu.Retired)
			}
			res.Retired = emu.Retired
			for name, m := range got {
				mask := uint32(1)<<m.ChecksumBits - 1
				if m.Checksum != emu.Checksum&mask {
					return nil, fmt.Errorf("%s: %s answered %#x, the emulator %#x (compared in the low %d bits)",
						w.Name, name, m.Checksum, emu.Checksum&mask, m.ChecksumBits)
				}
			}
		}
	}
	return out, nil
}

// Table renders results: each engine's speed and the emulator's ratio to
// the others.
func Table(results []Result, engines []string) *reports.Table {
	header := []string{"workload", "M instructions"}
	for _, e := range engines {
		header = append(header, e+" M/s")
	}
	for _, e := range engines[1:] {
		header = append(header, "emulator / "+e)
	}
	t := reports.NewTable(header...)
	for i := range results {
		r := &results[i]
		row := []string{r.Workload.Name, fmt.Sprintf("%.1f", float64(r.Retired)/1e6)}
		for _, e := range engines {
			row = append(row, fmt.Sprintf("%.1f", r.MIPS(e)))
		}
		for _, e := range engines[1:] {
			row = append(row, fmt.Sprintf("%.2fx", r.MIPS(engines[0])/r.MIPS(e)))
		}
		t.Add(row...)
	}
	return t
}
