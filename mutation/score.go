package mutation

// Rate is a count of killed mutants out of a total.
type Rate struct {
	Killed, Of int
}

// Percent is the kill rate in percent (0 for an empty total).
func (r Rate) Percent() float64 {
	if r.Of == 0 {
		return 0
	}
	return 100 * float64(r.Killed) / float64(r.Of)
}

// DetectorScore is what one detector did in a run.
type DetectorScore struct {
	Detector
	First      int  // mutants it killed first (none before it did)
	Ran        int  // mutants it ran on
	Cumulative Rate // killed by it or an earlier detector, of the non-equivalent
	Seconds    float64
}

// Score is a run's figures.
type Score struct {
	Mutants    int  // compiled mutants drawn
	Equivalent int  // recognized as compiling to the same code
	Errors     int  // a check could not run
	Overall    Rate // killed by any detector, of the non-equivalent
	MakeTest   Rate // killed by the checks `make test` runs, of the non-equivalent
	Detectors  []DetectorScore
	ByOp       map[string]Rate
}

// Score computes the figures from the results.
func (s *Summary) Score() Score {
	sc := Score{ByOp: map[string]Rate{}}
	first := map[string]int{}
	ran := map[string]int{}
	secs := map[string]float64{}
	for _, r := range s.Results {
		sc.Mutants++
		switch r.Status {
		case Equivalent:
			sc.Equivalent++
			continue
		case Failed:
			sc.Errors++
			continue
		}
		op := sc.ByOp[r.Op]
		op.Of++
		sc.Overall.Of++
		sc.MakeTest.Of++
		if r.Status == Killed {
			op.Killed++
			sc.Overall.Killed++
			if d, ok := DetectorByName(r.KilledBy); ok && d.MakeTest {
				sc.MakeTest.Killed++
			}
			first[r.KilledBy]++
		}
		sc.ByOp[r.Op] = op
		for _, run := range r.Runs {
			ran[run.Name]++
			secs[run.Name] += run.Seconds
		}
	}
	killed := 0
	for _, d := range s.Detectors {
		killed += first[d.Name]
		sc.Detectors = append(sc.Detectors, DetectorScore{Detector: d, First: first[d.Name], Ran: ran[d.Name],
			Cumulative: Rate{killed, sc.Overall.Of}, Seconds: secs[d.Name]})
	}
	return sc
}

// Survivors are the run's surviving mutants: the work list.
func (s *Summary) Survivors() []Result {
	var out []Result
	for _, r := range s.Results {
		if r.Status == Survived {
			out = append(out, r)
		}
	}
	return out
}

// RanSweeps reports whether the sweeps ran on the mutant (and so whether
// Reached says anything).
func (r Result) RanSweeps() bool {
	for _, run := range r.Runs {
		if run.Name == "sweeps" {
			return true
		}
	}
	return false
}
