# netnsctl build. Variants share the sources and differ in flags:
#   make            -> build/netnsctl            (-O2 -g)
#   make asan       -> build/asan/netnsctl       (ASan + UBSan)
#   make fault      -> build/fault/netnsctl      (test-only fault injection)
#   make check      -> deps, all builds, every test, "N passed, N failed"
#   make demo       -> deps, build, the seed demo in a throwaway namespace

.DEFAULT_GOAL := all
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
SYSTEMD_UNITDIR ?= $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)
SYSTEMD_GENERATORDIR ?= $(shell pkg-config --variable=systemdsystemgeneratordir systemd 2>/dev/null || echo /lib/systemd/system-generators)
DESTDIR ?=
VERSION := 0.1.0

CC ?= cc
# Every library is only compiled against: src/lib/mnll.c, capl.c, sdl.c,
# nftl.c and jsonl.c load libmnl, libcap-ng, libsystemd, libnftables and
# libjansson with dlopen when a command needs them, so that no process pays
# for mapping a library it does not use (exec uses none; see mnll.h).
PKGS := libmnl libsystemd libcap-ng libnftables
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := -ldl

O ?= build
BASE_CFLAGS := -std=c17 -Wall -Wextra -Werror -D_GNU_SOURCE -Isrc/lib \
	-DNETNSCTL_VERSION='"$(VERSION)"' $(PKG_CFLAGS)
OPT_CFLAGS ?= -O2 -g
EXTRA_CFLAGS ?=
EXTRA_LDFLAGS ?=
ALL_CFLAGS = $(BASE_CFLAGS) $(OPT_CFLAGS) $(EXTRA_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(EXTRA_LDFLAGS) $(LDFLAGS)

LIB_SRCS := $(sort $(wildcard src/lib/*.c))
CLI_SRCS := $(sort $(wildcard src/cli/*.c))
GEN_SRCS := $(sort $(wildcard src/generator/*.c))
GEN_BIN := $(if $(GEN_SRCS),$(O)/netnsctl-generator)
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
LIB_OBJS := $(patsubst src/%.c,$(O)/%.o,$(LIB_SRCS))
CLI_OBJS := $(patsubst src/%.c,$(O)/%.o,$(CLI_SRCS))
UNIT_BINS := $(patsubst tests/unit/%.c,$(O)/tests/%,$(UNIT_SRCS))

# Man pages (scdoc): man/NAME.SECTION.scd -> $(O)/man/NAME.SECTION
MAN_SRCS := $(sort $(wildcard man/*.scd))
MAN_PAGES := $(patsubst man/%.scd,$(O)/man/%,$(MAN_SRCS))
man: $(MAN_PAGES)
$(O)/man/%: man/%.scd
	@mkdir -p $(dir $@)
	$(Q)scdoc <$< >$@.tmp && mv $@.tmp $@

# Long-running reliability runs (issue 9), not part of `make check`.
soak: all fault
	@bash tests/soak/run.sh

.PHONY: all asan fault fuzz fuzz-smoke man soak unit install uninstall clean check demo deps test bench
all: $(O)/netnsctl $(GEN_BIN) $(UNIT_BINS) $(if $(shell command -v scdoc),man)

V ?= 0
Q := $(if $(filter 1,$(V)),,@)

$(O)/%.o: src/%.c $(wildcard src/lib/*.h src/cli/*.h)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -Isrc/cli -c -o $@ $<

$(O)/libnetnsctl.a: $(LIB_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(O)/netnsctl: $(CLI_OBJS) $(O)/libnetnsctl.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $(CLI_OBJS) $(O)/libnetnsctl.a $(ALL_LDFLAGS) $(PKG_LIBS)

$(O)/netnsctl-generator: $(GEN_SRCS) $(O)/libnetnsctl.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $(GEN_SRCS) $(O)/libnetnsctl.a $(ALL_LDFLAGS) $(PKG_LIBS)

$(O)/tests/%: tests/unit/%.c tests/unit/tap.h $(O)/libnetnsctl.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(O)/libnetnsctl.a $(ALL_LDFLAGS) $(PKG_LIBS)

SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
asan:
	$(MAKE) O=$(O)/asan OPT_CFLAGS="-O1 -g" EXTRA_CFLAGS="$(SAN_FLAGS)" EXTRA_LDFLAGS="$(SAN_FLAGS)" all

fault:
	$(MAKE) O=$(O)/fault EXTRA_CFLAGS="-DNETNSCTL_FAULT_INJECTION" all

# libFuzzer targets (clang): every fuzz/fuzz_*.c links the library sources
# directly. `make fuzz-smoke` runs each for a short fixed number of runs.
FUZZ_SRCS := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_BINS := $(patsubst fuzz/%.c,$(O)/fuzz/%,$(FUZZ_SRCS))
FUZZ_FLAGS := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -g -O1
fuzz: $(FUZZ_BINS)
fuzz-smoke:
	@O=$(O) bash fuzz/smoke.sh
$(O)/fuzz/%: fuzz/%.c $(LIB_SRCS) $(wildcard src/lib/*.h)
	@mkdir -p $(dir $@)
	clang $(BASE_CFLAGS) -Wno-unused-command-line-argument $(FUZZ_FLAGS) -o $@ $< $(LIB_SRCS) $(PKG_LIBS)

deps:
	@sh tools/install-deps.sh

check: deps
	$(MAKE) all asan fault
	@bash tests/run.sh

test: all asan fault
	@bash tests/run.sh

demo: deps
	$(MAKE) all
	@NETNSCTL=$(CURDIR)/$(O)/netnsctl bash tools/demo.sh

bench: all
	@NETNSCTL=$(CURDIR)/$(O)/netnsctl bash bench/run.sh

install: all
	install -Dm0755 $(O)/netnsctl $(DESTDIR)$(SBINDIR)/netnsctl
	install -dm0755 $(DESTDIR)/etc/netnsctl
	$(if $(GEN_BIN),install -Dm0755 $(GEN_BIN) $(DESTDIR)$(SYSTEMD_GENERATORDIR)/netnsctl-generator)
	for u in $(wildcard units/*.service units/*.socket units/*.target); do \
		install -Dm0644 $$u $(DESTDIR)$(SYSTEMD_UNITDIR)/$$(basename $$u); done
	# Man pages, built when scdoc is present; the .TH title is set from the
	# file name, since scdoc does not allow '@' in it (netns@.service.8).
	for m in $(if $(shell command -v scdoc),$(MAN_PAGES)); do n=$${m##*/}; \
		install -dm0755 $(DESTDIR)$(PREFIX)/share/man/man$${n##*.}; \
		sed '1,/^\.TH/s/^\.TH "[^"]*"/.TH "'"$${n%.*}"'"/' $$m >$(DESTDIR)$(PREFIX)/share/man/man$${n##*.}/$$n; \
		chmod 0644 $(DESTDIR)$(PREFIX)/share/man/man$${n##*.}/$$n; done
	install -Dm0644 completion/netnsctl.bash \
		$(DESTDIR)$$(pkg-config --variable=completionsdir bash-completion 2>/dev/null || echo /usr/share/bash-completion/completions)/netnsctl

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/netnsctl $(DESTDIR)$(SYSTEMD_GENERATORDIR)/netnsctl-generator
	for u in $(wildcard units/*.service units/*.socket units/*.target); do \
		rm -f $(DESTDIR)$(SYSTEMD_UNITDIR)/$$(basename $$u); done
	for m in $(MAN_SRCS); do n=$${m##*/}; n=$${n%.scd}; \
		rm -f $(DESTDIR)$(PREFIX)/share/man/man$${n##*.}/$$n; done
	rm -f $(DESTDIR)$$(pkg-config --variable=completionsdir bash-completion 2>/dev/null || echo /usr/share/bash-completion/completions)/netnsctl

clean:
	rm -rf build
