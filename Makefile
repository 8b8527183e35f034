# SPDX-License-Identifier: GPL-2.0-or-later
# hvoplan: see README.md. `make`, `make check`, `make check-asan`, `make install`.
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
DATADIR    ?= $(PREFIX)/share
DESTDIR    ?=

CC         ?= cc
PKG_CONFIG ?= pkg-config
# The libraries hvoplan uses, headers only: each is opened with dlopen where
# it is needed (include/dl.h), so a run loads only what it uses (--version
# and a Prometheus report: none): ncursesw by top's screen (src/tui/screen.c),
# zlib by the kernel config reader (src/probe/kconfig.c), inih by apply's
# settings (src/config/config.c), jansson and libsmartcols by the JSON and
# table renderers (src/render/libs.c). PKGS is what is linked (none).
DLOPEN_PKGS := ncursesw zlib inih jansson smartcols
PKGS       :=

CFLAGS     ?= -O2 -g
WARN       := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes -Wvla
DEFS       := -D_GNU_SOURCE -DHV_SYSCONFDIR='"$(SYSCONFDIR)"'
ALL_CFLAGS := -std=c17 $(WARN) $(DEFS) -Iinclude $(shell $(PKG_CONFIG) --cflags $(PKGS) $(DLOPEN_PKGS)) $(CFLAGS)
LIBS       := $(if $(strip $(PKGS)),$(shell $(PKG_CONFIG) --libs $(PKGS)))

V          ?= 0
Q          := $(if $(filter 1,$(V)),,@)

BUILD      ?= build
SRCS       := $(wildcard src/*.c src/*/*.c)
OBJS       := $(SRCS:%.c=$(BUILD)/%.o)
LIB_OBJS   := $(filter-out $(BUILD)/src/main.o,$(OBJS))

UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all check check-unit check-cli check-live check-asan install uninstall clean

all: hvoplan

# via a rename: a running ./hvoplan (a test, top) must not make cp fail
hvoplan: $(BUILD)/hvoplan
	$(Q)cp $< $@.tmp && mv -f $@.tmp $@

$(BUILD)/hvoplan: $(OBJS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(shell $(PKG_CONFIG) --cflags cmocka) $(LDFLAGS) -o $@ $< $(LIB_OBJS) \
		$(LIBS) $(shell $(PKG_CONFIG) --libs cmocka)

# the live tests' stand-in for programs that map and share hugepages
$(BUILD)/tests/hugeholder: tests/live/hugeholder.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $<

unit: $(UNIT_BINS) $(BUILD)/tests/hugeholder

# The whole suite: unit tests, command-line tests over fixtures, and (as root
# on a kernel with hugetlbfs) tests that allocate real hugepages.
check: all unit
	BUILD=$(BUILD) tests/run.sh

check-asan:
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" build-asan/hvoplan unit
	HVOPLAN=build-asan/hvoplan BUILD=build-asan ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 tests/run.sh

# Completion directories: bash-completion's and fish's vendor directories;
# zsh: Debian's vendor-completions for PREFIX=/usr, else zsh's site-functions
# (both on zsh's default fpath).
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR  ?= $(DATADIR)/zsh/$(if $(filter /usr,$(PREFIX)),vendor-completions,site-functions)
FISHCOMPDIR ?= $(DATADIR)/fish/vendor_completions.d
EXAMPLESDIR ?= $(DATADIR)/doc/hvoplan/examples
MANPAGES    := $(wildcard man/*.[0-9])
# examples/ and its subdirectories (prometheus/, grafana/, ansible/), kept as they are
EXAMPLES    := $(sort $(shell find examples -type f))
# The sos report plugin goes into sos' own plugin package, the one place sos
# 4.x looks (it lists the modules of sos.report.plugins), whatever PREFIX is:
# Debian's python3 dist-packages by default. Installed when DESTDIR is set
# (packages) or when that directory exists (sos is installed).
SOSPLUGINDIR ?= /usr/lib/python3/dist-packages/sos/report/plugins

# The kernel-install plug-in: in kernel-install's vendor directory for
# PREFIX=/usr (packages), else in its /etc directory, the only two it reads.
KERNELINSTALLDIR ?= $(if $(filter /usr,$(PREFIX)),/usr/lib/kernel/install.d,$(SYSCONFDIR)/kernel/install.d)
# It runs $(BINDIR)/hvoplan, filled in as it is installed.

# hvoplan.conf is installed only when SYSCONFDIR has none (a local one is
# never overwritten; packages let dpkg handle it as a conffile), and
# uninstalled only while identical to the shipped one.
install: all
	install -D -m 0755 hvoplan $(DESTDIR)$(BINDIR)/hvoplan
	install -d $(DESTDIR)$(KERNELINSTALLDIR)
	sed 's|@BINDIR@|$(BINDIR)|g' contrib/kernel-install/95-hvoplan.install.in \
		>$(DESTDIR)$(KERNELINSTALLDIR)/95-hvoplan.install
	chmod 0755 $(DESTDIR)$(KERNELINSTALLDIR)/95-hvoplan.install
	for m in $(MANPAGES); do \
		s=$${m##*.}; install -D -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/$${m##*/} || exit; \
	done
	install -D -m 0644 completions/hvoplan.bash $(DESTDIR)$(BASHCOMPDIR)/hvoplan
	install -D -m 0644 completions/_hvoplan $(DESTDIR)$(ZSHCOMPDIR)/_hvoplan
	install -D -m 0644 completions/hvoplan.fish $(DESTDIR)$(FISHCOMPDIR)/hvoplan.fish
	install -d $(DESTDIR)$(EXAMPLESDIR)
	for e in $(EXAMPLES); do install -D -m 0644 $$e $(DESTDIR)$(EXAMPLESDIR)/$${e#examples/} || exit; done
	if [ -n "$(DESTDIR)" ] || [ -d $(SOSPLUGINDIR) ]; then \
		install -D -m 0644 contrib/sos/hvoplan.py $(DESTDIR)$(SOSPLUGINDIR)/hvoplan.py; \
	else \
		echo "$(SOSPLUGINDIR) does not exist (sos not installed): sos plugin not installed"; \
	fi
	if [ -e $(DESTDIR)$(SYSCONFDIR)/hvoplan.conf ]; then \
		echo "$(DESTDIR)$(SYSCONFDIR)/hvoplan.conf exists: not overwritten"; \
	else \
		install -D -m 0644 hvoplan.conf $(DESTDIR)$(SYSCONFDIR)/hvoplan.conf; \
	fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/hvoplan $(DESTDIR)$(KERNELINSTALLDIR)/95-hvoplan.install
	for m in $(MANPAGES); do rm -f $(DESTDIR)$(MANDIR)/man$${m##*.}/$${m##*/}; done
	rm -f $(DESTDIR)$(BASHCOMPDIR)/hvoplan $(DESTDIR)$(ZSHCOMPDIR)/_hvoplan \
		$(DESTDIR)$(FISHCOMPDIR)/hvoplan.fish
	rm -f $(addprefix $(DESTDIR)$(EXAMPLESDIR)/,$(EXAMPLES:examples/%=%))
	-cd $(DESTDIR)$(EXAMPLESDIR) 2>/dev/null && find . -depth -mindepth 1 -type d -empty -delete
	-rmdir $(DESTDIR)$(EXAMPLESDIR) $(DESTDIR)$(DATADIR)/doc/hvoplan 2>/dev/null
	rm -f $(DESTDIR)$(SOSPLUGINDIR)/hvoplan.py
	# the directories a DESTDIR install made for it, up to DESTDIR (never sos' own)
	if [ -n "$(DESTDIR)" ]; then \
		d=$(DESTDIR)$(SOSPLUGINDIR); \
		while [ "$$d" != "$(DESTDIR)" ] && rmdir "$$d" 2>/dev/null; do d=$${d%/*}; done; \
	fi
	if cmp -s hvoplan.conf $(DESTDIR)$(SYSCONFDIR)/hvoplan.conf; then \
		rm -f $(DESTDIR)$(SYSCONFDIR)/hvoplan.conf; \
	elif [ -e $(DESTDIR)$(SYSCONFDIR)/hvoplan.conf ]; then \
		echo "$(DESTDIR)$(SYSCONFDIR)/hvoplan.conf was changed: kept"; \
	fi

clean:
	rm -rf build build-asan hvoplan

-include $(OBJS:.o=.d)
