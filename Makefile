# xsock: one entry point.  `make help` lists the targets.
#
# Pipeline: bpf/X.bpf.c -> build/bpf/X.bpf.o -> bpftool gen skeleton ->
# build/include/X.skel.h, a prerequisite of every user object.

.DEFAULT_GOAL := all

BUILD   ?= build
CC      ?= cc
CLANG   ?= clang
OBJCOPY ?= objcopy
BPFTOOL ?= bpftool
PKG_CONFIG ?= pkg-config
PREFIX  ?= /usr/local
LIBDIR  ?= $(PREFIX)/lib
ARCH    := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# Targets that run before anything is built install what is missing first;
# they must not need pkg-config to succeed while parsing.
NODEPS_GOALS := help deps clean distclean
ifeq ($(filter-out $(NODEPS_GOALS) demo test vmtest bench fuzz,$(MAKECMDGOALS)),)
ifneq ($(MAKECMDGOALS),)
SKIP_PKG_CHECK := 1
endif
endif

ifndef SKIP_PKG_CHECK
# name:debian-package
PKG_DEPS := libbpf:libbpf-dev libxdp:libxdp-dev libelf:libelf-dev zlib:zlib1g-dev
$(foreach d,$(PKG_DEPS),\
  $(if $(shell $(PKG_CONFIG) --exists $(word 1,$(subst :, ,$(d))) && echo y),,\
    $(error $(word 1,$(subst :, ,$(d))) not found by pkg-config: apt-get install $(word 2,$(subst :, ,$(d))) (or run tools/install-deps.sh))))
$(if $(shell command -v $(CLANG)),,$(error $(CLANG) not found: apt-get install clang llvm (or run tools/install-deps.sh)))
$(if $(shell command -v $(BPFTOOL)),,$(error $(BPFTOOL) not found: apt-get install bpftool (or run tools/install-deps.sh)))
endif

LIBS_PKG   := libxdp libbpf libelf zlib
DEP_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(LIBS_PKG) 2>/dev/null)
DEP_LIBS   := $(shell $(PKG_CONFIG) --libs $(LIBS_PKG) 2>/dev/null)

CFLAGS   ?= -O2 -g
XS_CFLAGS := $(CFLAGS) -std=gnu11 -Wall -Wextra -Wno-unused-parameter \
	     -Wmissing-prototypes -Wstrict-prototypes -fPIC -fvisibility=hidden \
	     -D_GNU_SOURCE -Iinclude -I$(BUILD)/include -Iuser $(DEP_CFLAGS)
BPF_CFLAGS := -O2 -g -target bpf -D__TARGET_ARCH_$(ARCH) -Wall \
	      -Iinclude $(if $(MULTIARCH),-I/usr/include/$(MULTIARCH))

# ---- BPF ------------------------------------------------------------------
BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS    := $(patsubst bpf/%.bpf.c,$(BUILD)/include/%.skel.h,$(BPF_SRCS))

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard include/xsock/*.h) | $(BUILD)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/include/%.skel.h: $(BUILD)/bpf/%.bpf.o | $(BUILD)/include
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) > $@.tmp && mv $@.tmp $@

# ---- libxsock -------------------------------------------------------------
LIB_SRCS := $(filter-out user/preload/%,$(wildcard user/*/*.c))
LIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS))
LIB_VERSION := 0.1.0

$(BUILD)/user/%.o: user/%.c $(SKELS) | $(BUILD)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(XS_CFLAGS) -MMD -MP -c $< -o $@

# Everything, hidden symbols included: for xsockctl and the tests.
$(BUILD)/libxsock-internal.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/libxsock.a: $(BUILD)/libxsock-internal.a
	$(Q)cp $< $@

$(BUILD)/libxsock.so: $(LIB_OBJS) user/libxsock.map
	$(call msg,LD,$@)
	$(Q)$(CC) -shared -Wl,--version-script=user/libxsock.map \
		-Wl,-soname,libxsock.so.0 -o $@ $(LIB_OBJS) $(DEP_LIBS) -lpthread

# ---- the LD_PRELOAD shim (docs/preload.md) --------------------------------
# libxsock's objects with their calls to the libc names in real.def renamed
# to xs_real_NAME (libc's, resolved by preload.c), plus preload.c, which
# exports those names to the application.  real.def is the one list.
PRELOAD_SYMS := $(shell sed -n 's/^XS_REAL[_A-Z]*.\([a-z0-9_]*\),.*/\1/p' user/preload/real.def)
PRELOAD_LIB_OBJS := $(patsubst $(BUILD)/user/%.o,$(BUILD)/preload/%.o,$(LIB_OBJS))
PRELOAD_OBJS := $(PRELOAD_LIB_OBJS) $(BUILD)/preload/preload/preload.o

$(BUILD)/preload/%.o: $(BUILD)/user/%.o user/preload/real.def
	$(call msg,OBJCOPY,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(OBJCOPY) $(foreach s,$(PRELOAD_SYMS),--redefine-sym $(s)=xs_real_$(s)) $< $@

$(BUILD)/preload/preload/preload.o: user/preload/preload.c user/preload/real.def $(SKELS) | $(BUILD)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(XS_CFLAGS) -U_FORTIFY_SOURCE -MMD -MP -c $< -o $@

# Exports: the libc names (default visibility in preload.c) and the xsock_*
# API, so a program also linked with libxsock shares the shim's one stack.
$(BUILD)/libxsock-preload.so: $(PRELOAD_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) -shared -Wl,-z,defs -Wl,-soname,libxsock-preload.so -o $@ $(PRELOAD_OBJS) \
		$(DEP_LIBS) -lpthread -ldl
	$(Q)if nm -D --defined-only $@ | awk '{print $$3}' | grep -q '^xs_'; then \
		echo "error: $@ exports internal symbols:" >&2; \
		nm -D --defined-only $@ | awk '{print $$3}' | grep '^xs_' >&2; rm -f $@; exit 1; fi

$(BUILD)/xsock-run: tools/xsock-run | $(BUILD)
	$(call msg,GEN,$@)
	$(Q)sed -e 's|@LIBDIR@|$(LIBDIR)|' $< > $@.tmp && chmod 0755 $@.tmp && mv $@.tmp $@

$(BUILD)/libxsock.pc: user/libxsock.pc.in
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@VERSION@|$(LIB_VERSION)|' $< > $@

# ---- tools ----------------------------------------------------------------
XSOCKCTL_SRCS := $(wildcard tools/xsockctl/*.c)
XSOCKCTL_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(XSOCKCTL_SRCS))

$(BUILD)/tools/%.o: tools/%.c $(SKELS) | $(BUILD)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(XS_CFLAGS) -Itools -MMD -MP -c $< -o $@

$(BUILD)/xsockctl: $(XSOCKCTL_OBJS) $(BUILD)/libxsock-internal.a
	$(call msg,LD,$@)
	$(Q)$(CC) -o $@ $(XSOCKCTL_OBJS) $(BUILD)/libxsock-internal.a $(DEP_LIBS) -lpthread

# Kernel feature probe: vmtest runs it in the guest before the tests.
FEATPROBE_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tools/featprobe/*.c))

$(BUILD)/xsock-featprobe: $(FEATPROBE_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) -o $@ $(FEATPROBE_OBJS) $(DEP_LIBS)

# ---- tests ----------------------------------------------------------------
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRCS))
BPFT_SRCS := $(wildcard tests/bpf/test_*.c)
BPFT_BINS := $(patsubst tests/bpf/%.c,$(BUILD)/tests/bpf/%,$(BPFT_SRCS))
TEST_HELPER_SRCS := $(wildcard tests/lib/*.c)
TEST_HELPER_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(TEST_HELPER_SRCS))
TOOL_XSOCKCTL_LIB := $(filter-out $(BUILD)/tools/xsockctl/main.o,$(XSOCKCTL_OBJS))

$(BUILD)/tests/%.o: tests/%.c $(SKELS) | $(BUILD)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(XS_CFLAGS) -Itests -Itools -MMD -MP -c $< -o $@

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(TEST_HELPER_OBJS) $(TOOL_XSOCKCTL_LIB) $(BUILD)/libxsock-internal.a
	$(call msg,LD,$@)
	$(Q)$(CC) -o $@ $^ $(DEP_LIBS) -lcriterion -lpthread

$(BUILD)/tests/bpf/%: $(BUILD)/tests/bpf/%.o $(TEST_HELPER_OBJS) $(BUILD)/libxsock-internal.a
	$(call msg,LD,$@)
	$(Q)$(CC) -o $@ $^ $(DEP_LIBS) -lcriterion -lpthread

# Helper programs the network tests run (no criterion).
NET_HELPER_SRCS := $(wildcard tests/net/*.c)
NET_HELPER_BINS := $(patsubst tests/net/%.c,$(BUILD)/tests/net/%,$(NET_HELPER_SRCS))

$(BUILD)/tests/net/%: $(BUILD)/tests/net/%.o $(BUILD)/libxsock-internal.a
	$(call msg,LD,$@)
	$(Q)$(CC) -o $@ $^ $(DEP_LIBS) -lpthread

# Ordinary programs (libc only, no libxsock) that the preload tests run
# under the shim.
PRELOAD_PROG_SRCS := $(wildcard tests/preload/*.c)
PRELOAD_PROG_BINS := $(patsubst tests/preload/%.c,$(BUILD)/tests/preload/%,$(PRELOAD_PROG_SRCS))

$(BUILD)/tests/preload/%: tests/preload/%.c | $(BUILD)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -std=gnu11 -Wall -Wextra -D_GNU_SOURCE -MMD -MP -o $@ $< -lpthread

# The socket-API conformance suite: each case on the kernel and on xsock
# (docs/conformance.md); tests/net/test_conformance.sh runs it.
CONFORMANCE_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/conformance/*.c))
CONFORMANCE_BIN := $(BUILD)/tests/conformance/conformance

$(CONFORMANCE_BIN): $(CONFORMANCE_OBJS) $(BUILD)/libxsock-internal.a
	$(call msg,LD,$@)
	$(Q)$(CC) -o $@ $^ $(DEP_LIBS) -lpthread

# ---- benchmarks (make bench, docs/bench.md) ------------------------------
# udp_rr and tcp_rr run on both stacks through one table of socket calls
# (tools/bench/bench.h), so they link libxsock and need its socket layer:
# the link stops, loudly, when the archive does not define xsock_socket.
# X_rr-kernel is the same source with the kernel table only;
# tools/bench/run.sh falls back to it (and skips the xsock rows) while the
# socket layer is missing.
BENCH_DIR := $(BUILD)/bench

$(BENCH_DIR):
	$(Q)mkdir -p $@

$(BENCH_DIR)/%_rr: $(BUILD)/tools/bench/%_rr.o $(BUILD)/libxsock-internal.a | $(BENCH_DIR)
	$(call msg,LD,$@)
	$(Q)nm $(BUILD)/libxsock-internal.a | grep -q ' T xsock_socket$$' || \
		{ echo "error: $@: $(BUILD)/libxsock-internal.a does not define xsock_socket (no socket layer yet)" >&2; exit 1; }
	$(Q)$(CC) -o $@ $< $(BUILD)/libxsock-internal.a $(DEP_LIBS) -lpthread

$(BENCH_DIR)/%_rr-kernel: tools/bench/%_rr.c tools/bench/bench.h | $(BENCH_DIR)
	$(call msg,CC,$@)
	$(Q)$(CC) $(XS_CFLAGS) -DXSB_KERNEL_ONLY -MMD -MP -o $@ $<

$(BENCH_DIR)/xdp_reflect: $(BUILD)/tools/bench/xdp_reflect.o $(BUILD)/libxsock-internal.a | $(BENCH_DIR)
	$(call msg,LD,$@)
	$(Q)$(CC) -o $@ $^ $(DEP_LIBS) -lpthread

# The kernel rows need only the X_rr-kernel programs and xdp_reflect; a
# failed udp_rr or tcp_rr link is reported and leaves the xsock rows to be
# skipped.
bench-progs: $(BENCH_DIR)/udp_rr-kernel $(BENCH_DIR)/tcp_rr-kernel $(BENCH_DIR)/xdp_reflect
	$(Q)for p in udp_rr tcp_rr; do \
		$(MAKE) --no-print-directory $(BENCH_DIR)/$$p || \
		echo "warning: build/bench/$$p not built: make bench skips its xsock rows" >&2; \
	done

# ---- fuzz targets (make fuzz, docs/fuzz.md) -------------------------------
# libFuzzer binaries compile the user/ sources they exercise themselves,
# with clang and the sanitizers: the gcc-built archive has no coverage
# instrumentation.  user/ctl comes along for the address helpers
# (xs_addr_*), hence libbpf.
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	       -std=gnu11 -Wall -Wextra -Wno-unused-parameter -D_GNU_SOURCE \
	       -Iinclude -Iuser -I$(BUILD)/include $(DEP_CFLAGS)
FUZZ_RX_SRCS := $(wildcard user/wire/*.c) user/iface/ip_in.c user/iface/drop.c user/iface/reasm.c \
		$(wildcard user/sock/udp_*.c) user/dev/pool.c user/dev/memdev.c user/dev/dev.c \
		$(wildcard user/ctl/*.c)

$(FUZZ_DIR)/fuzz_rx: tests/fuzz/fuzz_rx.c $(FUZZ_RX_SRCS) $(wildcard user/*/*.h include/xsock/*.h) $(SKELS)
	$(call msg,FUZZ-LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz_rx.c $(FUZZ_RX_SRCS) $(DEP_LIBS) -lpthread

# The TCP state machine over the unit tests' fake wire (tests/unit/tcp_pair.h).
FUZZ_TCP_SRCS := $(wildcard user/sock/tcp_*.c) user/wire/tcp.c user/wire/csum.c

$(FUZZ_DIR)/fuzz_tcp: tests/fuzz/fuzz_tcp.c tests/fuzz/fuzz_tcp.h tests/unit/tcp_pair.h $(FUZZ_TCP_SRCS) \
		$(wildcard user/*/*.h include/xsock/*.h)
	$(call msg,FUZZ-LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -Itests/unit -o $@ tests/fuzz/fuzz_tcp.c $(FUZZ_TCP_SRCS)

# The seed corpus generators (tests/fuzz/run.sh --regen-corpus).
$(FUZZ_DIR)/make_corpus: tests/fuzz/make_corpus.c tests/unit/wire_golden.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -std=gnu11 -Wall -Wextra -Wno-missing-field-initializers -O1 -g -o $@ $<

$(FUZZ_DIR)/make_corpus_tcp: tests/fuzz/make_corpus_tcp.c tests/fuzz/fuzz_tcp.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -std=gnu11 -Wall -Wextra -O1 -g -o $@ $<

# ---- ThreadSanitizer build (make tsan) ------------------------------------
# libxsock and the thread stress test (tests/net/xs_stress.c) compiled
# and linked with clang -fsanitize=thread in a tree of their own, so the
# ordinary build stays as it is.  tests/net/test_threads_stress.sh runs it;
# `make test` and `make test-net` build it first.  The runtime comes with
# libclang-rt-14-dev (tools/install-deps.sh base).
TSAN_BUILD ?= build-tsan

tsan:
	$(Q)$(MAKE) --no-print-directory BUILD=$(TSAN_BUILD) CC='$(CLANG) -fsanitize=thread' \
		CFLAGS='-O1 -g' $(TSAN_BUILD)/tests/net/xs_stress

# ---- top-level targets ----------------------------------------------------
PROGS := $(BUILD)/xsockctl $(if $(FEATPROBE_OBJS),$(BUILD)/xsock-featprobe) $(BUILD)/xsock-run
LIBS  := $(BUILD)/libxsock.a $(BUILD)/libxsock.so $(BUILD)/libxsock.pc $(BUILD)/libxsock-preload.so

.PHONY: all deps deps-test test test-unit test-bpf test-net demo bench bench-progs vmtest fuzz tsan \
	install help clean distclean

all: $(SKELS) $(LIBS) $(PROGS) $(UNIT_BINS) $(BPFT_BINS) $(NET_HELPER_BINS) $(CONFORMANCE_BIN) \
	$(PRELOAD_PROG_BINS)

deps:
	$(Q)tools/install-deps.sh

# The tests also run real programs (nginx, redis, iperf3, sockperf, wrk).
deps-test:
	$(Q)tools/install-deps.sh base apps

# `make test` and `make demo` first install what is missing, then build in a
# sub-make (which checks the build dependencies while parsing).
test: deps-test
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory tsan
	$(Q)BUILD=$(BUILD) tests/run.sh $(if $(TESTS),--filter '$(TESTS)')

test-net: tsan
test-unit test-bpf test-net: all
	$(Q)BUILD=$(BUILD) tests/run.sh --only $(patsubst test-%,%,$@) $(if $(TESTS),--filter '$(TESTS)')

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) tools/demo.sh

bench: deps
ifeq ($(wildcard tools/bench/run.sh),)
	@echo 'make bench: there is nothing to measure yet: the benchmarks come with the UDP data path' >&2; exit 1
else
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory bench-progs
	$(Q)BUILD=$(BUILD) tools/bench/run.sh
endif

vmtest:
	$(Q)tools/install-deps.sh base vmtest
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) vmtest/run.sh $(if $(KERNEL),--kernel '$(KERNEL)') $(if $(TESTS),--tests '$(TESTS)') $(if $(SMOKE),--smoke)

fuzz: deps
ifeq ($(wildcard tests/fuzz/run.sh),)
	@echo 'make fuzz: no fuzz targets yet: the receive-path target comes with the UDP data path' >&2; exit 1
else
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) tests/fuzz/run.sh $(if $(SECONDS),--seconds $(SECONDS))
endif

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(LIBDIR)/pkgconfig \
		$(DESTDIR)$(PREFIX)/include/xsock
	install -m 0755 $(BUILD)/xsockctl $(DESTDIR)$(PREFIX)/sbin/xsockctl
	sed -e 's|@LIBDIR@|$(LIBDIR)|' tools/xsock-run > $(DESTDIR)$(PREFIX)/bin/xsock-run
	chmod 0755 $(DESTDIR)$(PREFIX)/bin/xsock-run
	install -m 0755 $(BUILD)/libxsock-preload.so $(DESTDIR)$(LIBDIR)/libxsock-preload.so
	install -m 0644 $(BUILD)/libxsock.a $(DESTDIR)$(LIBDIR)/libxsock.a
	install -m 0755 $(BUILD)/libxsock.so $(DESTDIR)$(LIBDIR)/libxsock.so.$(LIB_VERSION)
	ln -sf libxsock.so.$(LIB_VERSION) $(DESTDIR)$(LIBDIR)/libxsock.so.0
	ln -sf libxsock.so.0 $(DESTDIR)$(LIBDIR)/libxsock.so
	install -m 0644 $(BUILD)/libxsock.pc $(DESTDIR)$(LIBDIR)/pkgconfig/libxsock.pc
	install -m 0644 include/xsock/*.h $(DESTDIR)$(PREFIX)/include/xsock/

help:
	@echo 'xsock targets:'
	@echo '  all       build the BPF program, libxsock, its LD_PRELOAD shim, xsockctl,'
	@echo '            xsock-run and the tests (default)'
	@echo '  demo      install missing packages, build, and run the demo (root)'
	@echo '  test      install missing packages, build, run every test suite (root)'
	@echo '            TESTS=pattern runs only the tests whose name matches'
	@echo '  test-unit | test-bpf | test-net   one suite'
	@echo '  tsan      libxsock and the thread stress test with ThreadSanitizer, in build-tsan/'
	@echo '  bench     kernel and xsock side by side; table and JSON in docs/bench'
	@echo '  vmtest    the net tests inside a qemu VM [KERNEL=bzImage] [TESTS=pattern]'
	@echo '            SMOKE=1 runs only the CI subset (docs/vmtest.md)'
	@echo '  fuzz      run the fuzz targets [SECONDS=n]'
	@echo '  install   install xsockctl, xsock-run, libxsock, the preload shim and headers'
	@echo '            [PREFIX=/usr/local] [DESTDIR=]'
	@echo '  deps      install the Debian packages that are missing'
	@echo '  clean     remove build/ and build-tsan/'
	@echo 'Variables: V=1 shows commands; CC, CLANG, BPFTOOL, OBJCOPY, BUILD, PREFIX, LIBDIR.'

clean distclean:
	$(Q)rm -rf $(BUILD) $(TSAN_BUILD)

$(BUILD) $(BUILD)/bpf $(BUILD)/include:
	$(Q)mkdir -p $@

.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
