# The user-mode Windows DLLs and test programs (included by ../../Makefile).
# `make win32` builds build/win32/System32/*.dll and build/win32/programs/*.exe
# with mingw-w64, against our own DLLs only (import libraries made from our
# .def files; mingw's libkernel32/libmsvcrt are never linked).
W32_SRC  := kernel/win32
W32_OUT  := build/win32
W32_OBJ  := $(W32_OUT)/obj
W32_LIB  := $(W32_OUT)/lib
W32_SYS  := $(W32_OUT)/System32
W32_PROG := $(W32_OUT)/programs
W32_CC   ?= x86_64-w64-mingw32-gcc
W32_DLLTOOL ?= x86_64-w64-mingw32-dlltool
W32_CFLAGS := -O2 -g0 -std=gnu11 -Wall -Wextra -Werror -nostdlib -ffreestanding -fno-builtin \
	-fno-tree-loop-distribute-patterns -mno-stack-arg-probe -fno-stack-protector \
	-fno-asynchronous-unwind-tables -I$(W32_SRC)/include -I$(W32_SRC)/common -Ikernel -MMD -MP
W32_LDFLAGS := -nostdlib -shared -Wl,--no-insert-timestamp -Wl,--dynamicbase -Wl,--enable-reloc-section \
	-Wl,--entry,DllMain -Wl,--subsystem,windows -s

W32_DLLS := ntdll kernel32 ucrtbase msvcrt advapi32 user32 shell32
W32_BASE_ntdll    := 0x180000000
W32_BASE_kernel32 := 0x180100000
W32_BASE_ucrtbase := 0x180200000
W32_BASE_msvcrt   := 0x180300000
W32_BASE_advapi32 := 0x180400000
W32_BASE_user32   := 0x180500000
W32_BASE_shell32  := 0x180600000
# Which DLLs each one imports.
W32_DEPS_ntdll    :=
W32_DEPS_kernel32 := ntdll
W32_DEPS_ucrtbase := kernel32 ntdll
W32_DEPS_msvcrt   := kernel32 ntdll
W32_DEPS_advapi32 := kernel32 ntdll
W32_DEPS_user32   := kernel32 ntdll
W32_DEPS_shell32  := kernel32 ntdll
# Sources: the DLL's directory plus the shared pure helpers it uses. msvcrt
# is built from ucrtbase's sources (one implementation, two names).
W32_COMMON_ntdll    := fmt heap path
W32_COMMON_kernel32 := fmt path
W32_COMMON_ucrtbase := fmt argv
W32_COMMON_msvcrt   := fmt argv
W32_COMMON_advapi32 :=
W32_COMMON_user32   := fmt rsrc
W32_COMMON_shell32  :=
# The kernel's own string functions (kernel/lib/string.c), where a DLL
# needs them: one implementation everywhere.
W32_KLIB_ntdll    := string
W32_KLIB_ucrtbase := string
W32_KLIB_msvcrt   := string
w32_srcdir = $(if $(filter msvcrt,$(1)),ucrtbase,$(1))
w32_objs = $(patsubst $(W32_SRC)/$(call w32_srcdir,$(1))/%.c,$(W32_OBJ)/$(1)/%.o,$(wildcard $(W32_SRC)/$(call w32_srcdir,$(1))/*.c)) \
	$(patsubst %,$(W32_OBJ)/$(1)/common/%.o,$(W32_COMMON_$(1))) $(patsubst %,$(W32_OBJ)/$(1)/klib/%.o,$(W32_KLIB_$(1)))

W32_PROGS := $(basename $(notdir $(filter-out $(W32_SRC)/programs/crt0.c,$(wildcard $(W32_SRC)/programs/*.c))))

# Keep the import libraries, .def copies and program objects: they are
# intermediate files of pattern chains, which make would otherwise delete.
.SECONDARY: $(patsubst %,$(W32_LIB)/lib%.a,$(W32_DLLS)) $(patsubst %,$(W32_OBJ)/def/%.def,$(W32_DLLS)) \
	$(patsubst %,$(W32_OBJ)/programs/%.o,crt0 $(W32_PROGS))

.PHONY: win32 win32-hosttest
win32: $(foreach d,$(W32_DLLS),$(W32_SYS)/$(d).dll) $(patsubst %,$(W32_PROG)/%.exe,$(W32_PROGS))

# The .def files: msvcrt.def is ucrtbase.def under msvcrt's name.
$(W32_OBJ)/def/msvcrt.def: $(W32_SRC)/ucrtbase/ucrtbase.def
	@mkdir -p $(dir $@)
	@sed 's/^LIBRARY .*/LIBRARY msvcrt.dll/' $< > $@

$(W32_LIB)/lib%.a: $(W32_OBJ)/def/%.def
	@mkdir -p $(dir $@)
	@echo "  DLLTOOL $@"
	@mkdir -p $(W32_OBJ)/dlltool
	@$(W32_DLLTOOL) --temp-prefix $(W32_OBJ)/dlltool/$* -d $< -l $@.tmp -D $*.dll && mv $@.tmp $@

# Each DLL's objects: one directory per DLL under build/win32/obj.
define W32_DLL_RULES
ifneq ($(1),msvcrt)
$(W32_OBJ)/def/$(1).def: $(W32_SRC)/$(1)/$(1).def
	@mkdir -p $$(dir $$@)
	@cp $$< $$@
endif
$(W32_OBJ)/$(1)/%.o: $(W32_SRC)/$(call w32_srcdir,$(1))/%.c
	@mkdir -p $$(dir $$@)
	@echo "  CC      $$< ($(1))"
	@$(W32_CC) $(W32_CFLAGS) -DW32_DLL_$(1) -c $$< -o $$@
$(W32_OBJ)/$(1)/common/%.o: $(W32_SRC)/common/%.c
	@mkdir -p $$(dir $$@)
	@echo "  CC      $$< ($(1))"
	@$(W32_CC) $(W32_CFLAGS) -DW32_DLL_$(1) -c $$< -o $$@
$(W32_OBJ)/$(1)/klib/%.o: kernel/lib/%.c
	@mkdir -p $$(dir $$@)
	@echo "  CC      $$< ($(1))"
	@$(W32_CC) $(W32_CFLAGS) -DW32_DLL_$(1) -c $$< -o $$@
$(W32_SYS)/$(1).dll: $(call w32_objs,$(1)) $(W32_OBJ)/def/$(1).def $(patsubst %,$(W32_LIB)/lib%.a,$(W32_DEPS_$(1)))
	@mkdir -p $$(dir $$@)
	@echo "  LD      $$@"
	@$(W32_CC) $(W32_LDFLAGS) -Wl,--image-base,$(W32_BASE_$(1)) -o $$@ $(W32_OBJ)/def/$(1).def \
		$(call w32_objs,$(1)) $(patsubst %,$(W32_LIB)/lib%.a,$(W32_DEPS_$(1))) -lgcc
endef
$(foreach d,$(W32_DLLS),$(eval $(call W32_DLL_RULES,$(d))))

# Test programs: console .exe files importing from our kernel32 and ucrtbase.
W32_PROG_LDFLAGS := -nostdlib -Wl,--no-insert-timestamp -Wl,--dynamicbase -Wl,--enable-reloc-section \
	-Wl,--entry,mainCRTStartup -Wl,--subsystem,console -Wl,--image-base,0x140000000 -s
$(W32_OBJ)/programs/%.o: $(W32_SRC)/programs/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(W32_CC) $(W32_CFLAGS) -c $< -o $@
$(W32_PROG)/%.exe: $(W32_OBJ)/programs/%.o $(W32_OBJ)/programs/crt0.o $(W32_LIB)/libkernel32.a $(W32_LIB)/libucrtbase.a
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(W32_CC) $(W32_PROG_LDFLAGS) -o $@ $(W32_OBJ)/programs/crt0.o $< $(W32_LIB)/libucrtbase.a $(W32_LIB)/libkernel32.a -lgcc

# Host unit tests of the pure helpers (printf engine, heap, paths, argv,
# resources), built with the host gcc.
W32_HOSTTEST := $(W32_OUT)/hosttest
$(W32_HOSTTEST): $(W32_SRC)/test/hosttest.c $(wildcard $(W32_SRC)/common/*.c $(W32_SRC)/common/*.h $(W32_SRC)/include/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC      $@ (host)"
	@gcc -O1 -g -std=gnu11 -Wall -Wextra -Werror -DW32_HOST_TEST -fsanitize=address,undefined \
		-I$(W32_SRC)/include -I$(W32_SRC)/common -Ikernel -o $@ $(W32_SRC)/test/hosttest.c \
		$(W32_SRC)/common/fmt.c $(W32_SRC)/common/heap.c $(W32_SRC)/common/path.c \
		$(W32_SRC)/common/argv.c $(W32_SRC)/common/rsrc.c
win32-hosttest: $(W32_HOSTTEST)
	@$(W32_HOSTTEST) $(wildcard build/wine/cmd.exe)

-include $(shell find $(W32_OBJ) -name '*.d' 2>/dev/null)

# What goes on the C: drive: our DLLs, cmd.exe and the test programs under
# Windows/System32 (C:\Windows\System32, on the default PATH), staged in
# build/win32/root; kernel.mk puts that tree into build/initrd.tar.
W32_ROOT := $(W32_OUT)/root
W32_ROOT_FILES := $(foreach d,$(W32_DLLS),$(W32_ROOT)/Windows/System32/$(d).dll) \
	$(W32_ROOT)/Windows/System32/cmd.exe $(patsubst %,$(W32_ROOT)/Windows/System32/%.exe,$(W32_PROGS))
$(W32_ROOT)/Windows/System32/%.dll: $(W32_SYS)/%.dll
	@mkdir -p $(dir $@)
	@cp $< $@
$(W32_ROOT)/Windows/System32/cmd.exe: $(WINE_CMD)
	@mkdir -p $(dir $@)
	@cp $< $@
$(W32_ROOT)/Windows/System32/%.exe: $(W32_PROG)/%.exe
	@mkdir -p $(dir $@)
	@cp $< $@
