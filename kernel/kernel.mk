# The twinstep test kernel and its initial ramdisk (included by ../Makefile).
# `make kernel` builds build/kernel.elf and build/initrd.tar.

# -mgeneral-regs-only everywhere, user programs too: context switches save
# no FPU or SSE state.
K_SRC   := kernel
K_OUT   := build/kernel-obj
K_CC    ?= gcc
K_LD    ?= ld
K_CFLAGS := -O2 -g0 -std=gnu11 -Wall -Wextra -Werror -ffreestanding -mno-red-zone -mcmodel=kernel \
	-fno-pic -fno-pie -nostdlib -mgeneral-regs-only -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fno-builtin -I$(K_SRC) -MMD -MP
K_ASFLAGS := -I$(K_SRC) -MMD -MP
K_LDFLAGS := -n -nostdlib -z max-page-size=0x1000 -z noexecstack

# Not kernel code: user programs, the NT loader's test images, the Windows DLLs.
K_NOT_KERNEL := -not -path '$(K_SRC)/user/*' -not -path '$(K_SRC)/nt/testdata/*' -not -path '$(K_SRC)/win32/*' \
	-not -path '$(K_SRC)/kvmprobe/*'
K_CSRCS := $(sort $(shell find $(K_SRC) -name '*.c' $(K_NOT_KERNEL)))
K_SSRCS := $(sort $(shell find $(K_SRC) -name '*.S' $(K_NOT_KERNEL)))
K_OBJS  := $(patsubst $(K_SRC)/%,$(K_OUT)/%.o,$(K_CSRCS) $(K_SSRCS))

include $(K_SRC)/nt/testdata/testdata.mk

# User programs: static, freestanding, linked at 0x400000.
U_OUT    := build/user-obj
U_CFLAGS := -O2 -g0 -std=gnu11 -Wall -Wextra -Werror -ffreestanding -mno-red-zone -fno-pic -fno-pie \
	-nostdlib -mgeneral-regs-only -fno-stack-protector -fno-asynchronous-unwind-tables -fno-builtin \
	-I$(K_SRC) -MMD -MP
U_PROGS  := $(basename $(notdir $(filter-out $(K_SRC)/user/ulib.c,$(wildcard $(K_SRC)/user/*.c))))
U_LIBOBJ := $(U_OUT)/crt0.S.o $(U_OUT)/ulib.c.o $(U_OUT)/string.c.o
INITRD_ROOT  := build/initrd-root
INITRD_FILES := $(shell find $(K_SRC)/initrd -type f)

# Keep the user objects: they are intermediate files of a pattern chain.
.SECONDARY: $(U_LIBOBJ) $(patsubst %,$(U_OUT)/%.c.o,$(U_PROGS))

.PHONY: kernel
kernel: build/kernel.elf build/initrd.tar

# The KVM probe (kernel/kvmprobe): a tiny PVH guest that TestQEMUKVM runs
# first, so a host whose KVM cannot run CPL 0 code is told from a kernel bug.
build/kvmprobe.elf: $(K_SRC)/kvmprobe/probe.S
	@mkdir -p $(K_OUT)/kvmprobe
	@echo "  AS      $<"
	@$(K_CC) -c $< -o $(K_OUT)/kvmprobe/probe.o
	@$(K_LD) -n -nostdlib -z max-page-size=0x1000 -z noexecstack -Ttext=0x100000 -e start32 --no-warn-rwx-segments \
		-o $@ $(K_OUT)/kvmprobe/probe.o

build/kernel.elf: $(K_OBJS) $(K_SRC)/kernel.ld
	@echo "  LD      $@"
	@$(K_LD) $(K_LDFLAGS) -T $(K_SRC)/kernel.ld -o $@ $(K_OBJS)

$(K_OUT)/%.c.o: $(K_SRC)/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(K_CC) $(K_CFLAGS) -c $< -o $@

$(K_OUT)/%.S.o: $(K_SRC)/%.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(K_CC) $(K_ASFLAGS) -c $< -o $@

$(U_OUT)/%.c.o: $(K_SRC)/user/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(K_CC) $(U_CFLAGS) -c $< -o $@

# The user programs share the kernel's string functions (one copy).
$(U_OUT)/string.c.o: $(K_SRC)/lib/string.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (user)"
	@$(K_CC) $(U_CFLAGS) -c $< -o $@

$(U_OUT)/%.S.o: $(K_SRC)/user/%.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(K_CC) $(K_ASFLAGS) -c $< -o $@

$(INITRD_ROOT)/bin/%: $(U_OUT)/%.c.o $(U_LIBOBJ) $(K_SRC)/user/user.ld
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(K_LD) $(K_LDFLAGS) -static -T $(K_SRC)/user/user.ld -o $@ $(U_LIBOBJ) $<

$(INITRD_ROOT)/%: $(K_SRC)/initrd/%
	@mkdir -p $(dir $@)
	@cp $< $@

# The initrd is C:\ for the NT layer: the kernel's test programs and files,
# plus Windows/System32 (our DLLs, cmd.exe, our Windows test programs).
build/initrd.tar: $(addprefix $(INITRD_ROOT)/bin/,$(U_PROGS)) $(patsubst $(K_SRC)/initrd/%,$(INITRD_ROOT)/%,$(INITRD_FILES)) \
		$(W32_ROOT_FILES)
	@echo "  TAR     $@"
	@tar --format=ustar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --mode=go-w \
		-cf $@ -C $(INITRD_ROOT) $$(ls $(INITRD_ROOT)) -C $(CURDIR)/$(W32_ROOT) $$(ls $(W32_ROOT))

-include $(K_OBJS:.o=.d) $(wildcard $(U_OUT)/*.d)
