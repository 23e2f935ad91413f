# The side-by-side benchmark's workloads (included by ../Makefile): one
# static blob at 0x400000 that the emulator, Unicorn and qemu-user all run
# (bench/blob.go). kernel/lib's SHA-256 and string functions are reused.
B_SRC := bench/workloads
B_CFLAGS := -O2 -g0 -std=gnu11 -Wall -Wextra -Werror -ffreestanding -fno-builtin -fno-stack-protector \
	-fcf-protection=none -fno-pic -fno-pie -fno-asynchronous-unwind-tables -I kernel
B_OBJ := build/bench/start.o build/bench/workloads.o build/bench/sha256.o build/bench/string.o

.PHONY: workloads
workloads: build/bench/workloads.elf

build/bench/workloads.elf: $(B_OBJ) $(B_SRC)/workloads.ld
	@echo "  LD      $@"
	@ld -static -nostdlib -z noexecstack --build-id=none -T $(B_SRC)/workloads.ld -o $@ $(B_OBJ)

build/bench/%.o: $(B_SRC)/%.S
	@mkdir -p build/bench
	@$(K_CC) -c -o $@ $<

build/bench/%.o: $(B_SRC)/%.c
	@mkdir -p build/bench
	@echo "  CC      $@"
	@$(K_CC) $(B_CFLAGS) -c -o $@ $<

build/bench/%.o: kernel/lib/%.c kernel/lib/%.h
	@mkdir -p build/bench
	@echo "  CC      $@"
	@$(K_CC) $(B_CFLAGS) -c -o $@ $<
