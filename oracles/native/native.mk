# The native engine's helper (included by ../../Makefile): `make native`
# builds build/twinstep-native, a static freestanding process linked inside
# its own window (helper/layout.h), with the system gcc.
N_SRC := oracles/native/helper
N_CFLAGS := -O2 -g0 -std=gnu11 -Wall -Wextra -Werror -static -nostdlib -ffreestanding -fPIE -no-pie \
	-mgeneral-regs-only -fno-stack-protector -fno-asynchronous-unwind-tables -fno-builtin \
	-fno-tree-loop-distribute-patterns \
	-Wl,-Ttext-segment=0x6dc000000000 -Wl,--build-id=none -Wl,-z,noexecstack

.PHONY: native
native: build/twinstep-native

build/twinstep-native: $(N_SRC)/helper.c $(N_SRC)/entry.S $(N_SRC)/layout.h
	@mkdir -p build
	@echo "  CC      $@"
	@$(K_CC) $(N_CFLAGS) -o $@ $(N_SRC)/helper.c $(N_SRC)/entry.S
