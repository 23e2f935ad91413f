# twinstep: `make test` installs what is missing, builds and runs every test.
GO        ?= go
APT_PKGS  := libunicorn-dev gcc binutils make tar qemu-system-x86 gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 chromium
SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export GONOSUMDB := github.com/unicorn-engine/unicorn
export GOFLAGS   ?= -mod=mod

.PHONY: all deps build test vet fuzz bench pgo lockstep mutate run clean

# The profile-guided-optimization profile: go build uses it for cmd/twinstep
# by itself; benchmarks pass it explicitly. `make pgo` regenerates it from
# the CPU-bound benchmark.
PGO := $(CURDIR)/cmd/twinstep/default.pgo

all: build

include kernel/wine.mk
include kernel/win32/win32.mk
include kernel/kernel.mk
include oracles/native/native.mk
include bench/bench.mk

# Install Debian packages only when missing, so repeated runs are quick and
# need no network.
deps:
	@missing=""; for p in $(APT_PKGS); do \
		dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$missing >/dev/null || { \
			echo "error: could not install$$missing (libunicorn-dev: the Unicorn oracle; gcc, binutils: the kernel; qemu-system-x86: the kernel's QEMU boot test; gcc-mingw-w64-x86-64, binutils-mingw-w64-x86-64: the Windows DLLs; chromium: the HTML report's rendering test); install them with apt-get" >&2; exit 1; }; \
	fi
	@$(GO) mod download

build: deps native
	$(GO) build ./...

vet: deps
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "error: gofmt" >&2; exit 1; }
	$(GO) vet ./...

test: vet native workloads
	$(GO) test -timeout 45m ./...

# Short fuzz runs of both targets; FUZZTIME=15m for the full campaign.
FUZZTIME ?= 60s
fuzz: deps
	$(GO) test -run XXX -fuzz FuzzSemantics -fuzztime $(FUZZTIME) ./fuzz
	$(GO) test -run XXX -fuzz FuzzDecodeLength -fuzztime $(FUZZTIME) ./fuzz
	$(GO) test -run XXX -fuzz FuzzParseKernel -fuzztime $(FUZZTIME) ./emulator/boot
	$(GO) test -run XXX -fuzz FuzzDevices -fuzztime $(FUZZTIME) ./emulator/devices
	$(GO) test -run XXX -fuzz FuzzReader -fuzztime $(FUZZTIME) ./traces
	$(GO) test -run XXX -fuzz FuzzSteps -fuzztime $(FUZZTIME) ./traces
	$(GO) test -run XXX -fuzz FuzzStateJSON -fuzztime $(FUZZTIME) ./arch
	$(GO) test -run XXX -fuzz FuzzCase -fuzztime $(FUZZTIME) ./corpus

# Emulator speed: the kernel's boot and self-tests (paging, interrupts,
# user processes) and the boot to cmd.exe's prompt, then a CPU-bound loop,
# then the Unicorn oracle's cost, the native engine's (cases/s on the host
# CPU, one case per round trip and in batches; length probes/s), then
# lockstep replay (instructions/s); last the same workloads side by side
# on the emulator, Unicorn and qemu-user (twinstep bench).
bench: deps native workloads
	@$(MAKE) --no-print-directory deps APT_PKGS=qemu-user
	$(GO) test -pgo=$(PGO) -run XXX -bench Boot -benchtime 20x -count 3 ./kernel
	$(GO) test -pgo=$(PGO) -run XXX -bench MIPS -benchtime 5000000x -count 3 ./emulator
	$(GO) test -run XXX -bench . -benchtime 3000x ./oracles/unicorn
	$(GO) test -run XXX -bench . -benchtime 2s -count 3 ./oracles/native
	$(GO) test -run XXX -bench Replay -benchtime 2x ./lockstep
	$(GO) build -o build/twinstep ./cmd/twinstep
	build/twinstep bench -rounds 3

# The profile merges the kernel boots (self-tests, cmd.exe) and the
# CPU-bound loop, so no workload is tuned at the others' expense.
pgo: deps
	@mkdir -p build
	$(GO) test -run XXX -bench Boot -benchtime 40x -cpuprofile build/pgo-boot.prof ./kernel
	$(GO) test -run XXX -bench MIPS -benchtime 5000000x -cpuprofile build/pgo-loop.prof ./emulator
	$(GO) tool pprof -proto build/pgo-boot.prof build/pgo-loop.prof > $(PGO)
	rm -f emulator.test kernel.test

# Boot to Wine's cmd.exe prompt on the emulator, interactively (Ctrl-A x quits).
run: deps kernel
	$(GO) run ./cmd/twinstep run build/kernel.elf --initrd build/initrd.tar --cmdline 'init=C:\Windows\System32\cmd.exe'

# The main job: record the cold boot to cmd.exe's prompt and the typed
# session in lockstep/session.cmd (unless a trace of this kernel, initrd,
# session and twinstep is cached), replay it on the emulator and Unicorn
# (and a sample of the ring-3 instructions on the host CPU),
# write reports/out/lockstep.html, print the summary. Exits non-zero on any
# unexplained divergence or missing instruction.
LOCKSTEP_DIR   := build/lockstep
LOCKSTEP_TRACE := $(LOCKSTEP_DIR)/boot.trace
lockstep: deps kernel native
	@mkdir -p $(LOCKSTEP_DIR) reports/out
	$(GO) build -o build/twinstep ./cmd/twinstep
	@key=$$(cat build/kernel.elf build/initrd.tar lockstep/session.cmd build/twinstep | sha256sum | cut -c1-64); \
	if [ -f $(LOCKSTEP_TRACE) ] && [ "$$(cat $(LOCKSTEP_DIR)/key 2>/dev/null)" = "$$key" ]; then \
		echo "lockstep: using the cached trace $(LOCKSTEP_TRACE) (same kernel, initrd, session and twinstep)"; \
	else \
		rm -f $(LOCKSTEP_DIR)/key && \
		build/twinstep record build/kernel.elf --initrd build/initrd.tar --cmdline 'init=C:\Windows\System32\cmd.exe' \
			--script lockstep/session.cmd -o $(LOCKSTEP_TRACE) && echo "$$key" > $(LOCKSTEP_DIR)/key; \
	fi
	build/twinstep lockstep $(LOCKSTEP_TRACE) --html reports/out/lockstep.html --json reports/out/lockstep.json

# Mutation testing: plant bugs in emulator/cpu and emulator/decoder one at a
# time and run the checks on each, cheapest first (twinstep mutate). A sample
# of MUTANTS drawn with SEED; MUTANTS=0 is every candidate (days). BASELINE=false
# skips re-running the checks on the unmutated tree, for use right after a
# green make test. STRICT=true fails on a survivor nobody has triaged
# (mutation/triage.go), as CI runs it.
MUTANTS  ?= 20
SEED     ?= 1
BASELINE ?= true
STRICT   ?= false
mutate: deps kernel native
	@mkdir -p reports/out
	$(GO) build -o build/twinstep ./cmd/twinstep
	build/twinstep mutate -n $(MUTANTS) -seed $(SEED) -baseline=$(BASELINE) -strict=$(STRICT) \
		-out build/mutate/seed-$(SEED) -html reports/out/mutation.html -json reports/out/mutation.json

clean:
	rm -rf build reports/out
