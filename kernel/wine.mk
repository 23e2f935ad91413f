# Wine's cmd.exe, taken from Debian's libwine package at build time and never
# committed (included by ../Makefile). The .deb is cached outside build/ so
# `make clean` and fresh clones on the same machine do not download it again.
WINE_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/twinstep
WINE_DIR   := build/wine
WINE_PE    := usr/lib/x86_64-linux-gnu/wine/x86_64-windows
WINE_CMD   := $(WINE_DIR)/cmd.exe

.PHONY: wine
wine: $(WINE_CMD)

$(WINE_CACHE)/libwine.deb:
	@mkdir -p $(WINE_CACHE)
	@echo "  FETCH   libwine (apt-get download)"
	@cd $(WINE_CACHE) && rm -f libwine_*.deb && apt-get download libwine >/dev/null 2>&1 || { \
		echo "error: apt-get download libwine failed: Wine's cmd.exe comes from Debian's libwine package" \
		     "(needs the Debian package archive; see README)" >&2; exit 1; }
	@mv $(WINE_CACHE)/libwine_*.deb $@

# Extract cmd.exe and check it is the PE32+ x86-64 console program we expect.
$(WINE_CMD): $(WINE_CACHE)/libwine.deb
	@mkdir -p $(WINE_DIR)/x
	@echo "  EXTRACT $@"
	@dpkg-deb --fsys-tarfile $< | tar -x -C $(WINE_DIR)/x ./$(WINE_PE)/cmd.exe
	@x86_64-w64-mingw32-objdump -p $(WINE_DIR)/x/$(WINE_PE)/cmd.exe > $(WINE_DIR)/cmd.exe.txt 2>&1 || { \
		echo "error: x86_64-w64-mingw32-objdump cannot read cmd.exe (install binutils-mingw-w64-x86-64)" >&2; exit 1; }
	@grep -q 'file format pei-x86-64' $(WINE_DIR)/cmd.exe.txt && grep -q 'Subsystem.*(Windows CUI)' $(WINE_DIR)/cmd.exe.txt || { \
		echo "error: $(WINE_DIR)/x/$(WINE_PE)/cmd.exe is not a PE32+ x86-64 console program" >&2; exit 1; }
	@cp $(WINE_DIR)/x/$(WINE_PE)/cmd.exe $@
