package main

import (
	"fmt"

	"github.com/twinstep/twinstep/emulator/cpu"
	"github.com/twinstep/twinstep/engine"
	"github.com/twinstep/twinstep/oracles/check"
	"github.com/twinstep/twinstep/oracles/native"
	"github.com/twinstep/twinstep/oracles/unicorn"
)

// oracles are the engines a comparison runs besides the emulator: Unicorn,
// always, and the host CPU where this host can run the native engine (its
// absence is reported, never fatal).
type oracles struct {
	u         *unicorn.Isolated
	nat       *native.Engine
	nativeErr error // why there is no native engine
}

func startOracles() (*oracles, error) {
	u, err := newUnicorn()
	if err != nil {
		return nil, err
	}
	o := &oracles{u: u}
	o.nat, o.nativeErr = native.NewFound()
	return o, nil
}

func (o *oracles) Close() {
	o.u.Close()
	if o.nat != nil {
		o.nat.Close()
	}
}

// checker compares the emulator with both oracles. The emulator runs the
// named CPU profile, or with silicon in the comparison the host's; the
// comparison is exact (undefined flags too) when that is the host's
// measured profile.
func (o *oracles) checker(profile string) (*check.Checker, error) {
	var silicon engine.Engine
	var host *cpu.Profile
	if o.nat != nil {
		silicon, host = o.nat, o.nat.Host().Profile()
	}
	k := check.NewChecker(o.u, silicon, host, unicorn.KnownMistakes)
	if profile != "" {
		p, err := cpu.ProfileByName(profile)
		if err != nil {
			return nil, err
		}
		k.SetProfile(p)
		k.Exact = k.Native != nil && p == host && p.Verified()
	}
	return k, nil
}

// nativeLine says whether silicon took part, for the reports' headers.
func (o *oracles) nativeLine() string {
	if o.nat == nil {
		return fmt.Sprintf("native: not available (%v)", o.nativeErr)
	}
	return "native: " + o.nat.Host().String()
}

// profileFlag is the help of every --cpu flag.
var profileFlagHelp = fmt.Sprintf("the emulator's CPU `profile` for what the SDM leaves undefined: %v "+
	"(default %s; the host's where silicon is compared)", cpu.ProfileNames(), cpu.DefaultProfile.Name)
