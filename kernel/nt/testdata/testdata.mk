# The PE loader's test images (included by kernel/kernel.mk): a test ntdll,
# a DLL linked at ntdll's base (so it is relocated) with ordinal and
# forwarded exports, and test programs, built with mingw-w64 and embedded in
# the kernel by kernel/nt/test_images.S for the nt_* self-tests.
NT_TEST_SRC := $(K_SRC)/nt/testdata
NT_TEST_OUT := build/nt-test
NT_CC       ?= x86_64-w64-mingw32-gcc
NT_DLLTOOL  ?= x86_64-w64-mingw32-dlltool
NT_TEST_CFLAGS := -O2 -g0 -std=gnu11 -Wall -Wextra -Werror -ffreestanding -fno-builtin -fno-stack-protector \
	-fno-asynchronous-unwind-tables -mno-stack-arg-probe -I$(K_SRC) -I$(NT_TEST_SRC)
NT_TEST_LDFLAGS := -nostdlib -s -Wl,--no-insert-timestamp
# ntdll and tdep share a preferred base: the second one loaded is relocated.
NT_TEST_DLLBASE := 0x7ff600000
NT_TEST_IMAGES := $(addprefix $(NT_TEST_OUT)/,ntdll.dll tdep.dll texe.exe tfault.exe tmissing.exe tnoexp.exe \
	tav.exe tstack.exe tspin.exe)
NT_TEST_DEPS := $(NT_TEST_SRC)/tnt.h $(K_SRC)/nt/abi.h

$(NT_TEST_OUT)/ntdll.dll: $(NT_TEST_SRC)/tntdll.c $(NT_TEST_SRC)/tntdll.def $(NT_TEST_DEPS)
	@mkdir -p $(dir $@)
	@echo "  MINGW   $@"
	@$(NT_CC) $(NT_TEST_CFLAGS) $(NT_TEST_LDFLAGS) -shared -e NtdllEntry -Wl,--image-base,$(NT_TEST_DLLBASE) \
		-o $@ $(NT_TEST_SRC)/tntdll.c $(NT_TEST_SRC)/tntdll.def

$(NT_TEST_OUT)/tdep.dll: $(NT_TEST_SRC)/tdep.c $(NT_TEST_SRC)/tdep.def $(NT_TEST_DEPS)
	@mkdir -p $(dir $@)
	@echo "  MINGW   $@"
	@$(NT_CC) $(NT_TEST_CFLAGS) $(NT_TEST_LDFLAGS) -shared -e DllEntry -Wl,--image-base,$(NT_TEST_DLLBASE) \
		-o $@ $(NT_TEST_SRC)/tdep.c $(NT_TEST_SRC)/tdep.def

# Import libraries from .def files: the programs link against these.
$(NT_TEST_OUT)/lib%.a: $(NT_TEST_SRC)/%.def
	@mkdir -p $(dir $@)
	@$(NT_DLLTOOL) -d $< -l $@

$(NT_TEST_OUT)/libntdll.a: $(NT_TEST_SRC)/tntdll.def
	@mkdir -p $(dir $@)
	@$(NT_DLLTOOL) -d $< -l $@

$(NT_TEST_OUT)/texe.exe: $(NT_TEST_SRC)/texe.c $(NT_TEST_OUT)/libtdep-imp.a $(NT_TEST_OUT)/libntdll.a $(NT_TEST_DEPS)
	@echo "  MINGW   $@"
	@$(NT_CC) $(NT_TEST_CFLAGS) $(NT_TEST_LDFLAGS) -e ExeMain -o $@ $< \
		-L$(NT_TEST_OUT) -ltdep-imp -lntdll

# Programs that import nothing.
$(NT_TEST_OUT)/tfault.exe $(NT_TEST_OUT)/tav.exe $(NT_TEST_OUT)/tstack.exe $(NT_TEST_OUT)/tspin.exe: \
		$(NT_TEST_OUT)/%.exe: $(NT_TEST_SRC)/%.c $(NT_TEST_DEPS)
	@mkdir -p $(dir $@)
	@echo "  MINGW   $@"
	@$(NT_CC) $(NT_TEST_CFLAGS) $(NT_TEST_LDFLAGS) -e ExeMain -o $@ $<

$(NT_TEST_OUT)/tmissing.exe: $(NT_TEST_SRC)/tmissing.c $(NT_TEST_OUT)/libtnosuch-imp.a
	@echo "  MINGW   $@"
	@$(NT_CC) $(NT_TEST_CFLAGS) $(NT_TEST_LDFLAGS) -e ExeMain -o $@ $< -L$(NT_TEST_OUT) -ltnosuch-imp

$(NT_TEST_OUT)/tnoexp.exe: $(NT_TEST_SRC)/tnoexp.c $(NT_TEST_OUT)/libtnoexp-imp.a
	@echo "  MINGW   $@"
	@$(NT_CC) $(NT_TEST_CFLAGS) $(NT_TEST_LDFLAGS) -e ExeMain -o $@ $< -L$(NT_TEST_OUT) -ltnoexp-imp

$(K_OUT)/nt/test_images.S.o: $(NT_TEST_IMAGES)
$(K_OUT)/nt/test_images.S.o: K_ASFLAGS += -I$(NT_TEST_OUT)
