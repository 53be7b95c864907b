# SPDX-License-Identifier: GPL-2.0-only
# xnet: Docker-style container networking with an eBPF datapath.
#
#   make            build build/xnet (BPF objects embedded as skeletons)
#   make test       user-space and BPF unit tests, a short packet fuzz (50k frames per program), the
#                   verifier budget check, integration tests (needs root), then the
#                   sanitizer pass: build-san/test_bpf, and the integration tests
#                   named by SAN_INTEGRATION run again with build-san/xnet
#                   (default in selftests/run.sh: the CLI flag fuzz and the
#                   listings; `make test SAN_INTEGRATION=` leaves them out)
#   make sanitize   build-san/xnet, build-san/test_bpf and build-san/test_unit with ASan + UBSan
#                   (also: make SANITIZE=1 TARGET); any report fails the test.
#                   By hand: XNET=build-san/xnet ./selftests/run.sh FILE [TEST...]
#                   or ./selftests/run.sh sanitize (only the sanitizer pass)
#   make fuzz       packet fuzzer, FUZZ_FRAMES (10M) frames per program; FUZZ_SEED
#                   replays a run, FUZZ_REPLAY=build/fuzz-fail-*.hex a failure
#   make verifier-stats  processed insns and states per program into
#                   bench/results/verifier.{md,json} (make test fails a program over
#                   50% of the 1M limit or 20% over that file: commit it)
#   make bench      benchmarks against the Linux bridge + iptables path
#   make install    install binary and docs under $(PREFIX)
#   make demo       walk through the seed scenario in throwaway namespaces

CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
PREFIX   ?= /usr/local
BUILD    := build

ARCH_INC := /usr/include/$(shell $(CC) -dumpmachine)
PKGS     := libnl-3.0 libnl-route-3.0 libnl-genl-3.0 json-c sqlite3 libbpf ldns
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN     := -Wall -Wextra -Werror -Wshadow -Wimplicit-fallthrough
CFLAGS   ?= -O2 -g
CFLAGS   += -DXNET_VERSION=\"0.1.0\" $(WARN) -Wno-format-truncation -std=gnu11 -D_GNU_SOURCE -I$(BUILD) -Iheaders -Iuser $(PKG_CFLAGS)
LDLIBS   += $(PKG_LIBS) -lelf -lz

# SANITIZE=1: user space with AddressSanitizer and UndefinedBehaviorSanitizer,
# in its own directory (the BPF objects are built the same way there).
# -fno-sanitize-recover: the first report ends the process with an error.
# Compiled with clang (SAN_CC): its ASan and UBSan share one runtime, so
# log_path sends both kinds of report to the files selftests/run.sh checks;
# GCC 12's separate libubsan ignores log_path next to ASan and only prints
# UBSan's reports on stderr, where a test expecting a failure would miss them.
SAN_CC   ?= clang
ifeq ($(SANITIZE),1)
BUILD    := build-san
CC       := $(SAN_CC)
# The warning set is GCC's (the normal build); two clang-only ones that the
# unit tests trip on purpose (`a & b` of checks that must all run, partial
# initializers) are off.
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all \
	    -Wno-unknown-warning-option -Wno-bitwise-instead-of-logical -Wno-missing-field-initializers
endif

BPF_CFLAGS := -O2 -g -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 $(WARN) -Wno-unused-parameter \
	      -I$(ARCH_INC) -Iheaders -Ibpf

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_HDRS  := $(wildcard bpf/lib/*.h) $(wildcard headers/*.h)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
BPF_TOBJS := $(patsubst bpf/%.bpf.c,$(BUILD)/%.test.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
TSKELS    := $(patsubst bpf/%.bpf.c,$(BUILD)/%.test.skel.h,$(BPF_SRCS))

# user/ is in layers (docs/ARCHITECTURE.md, "The pieces"): one folder per layer,
# agents/ one folder per agent. Objects mirror the tree under $(BUILD)/user/;
# -MMD writes each object's header dependencies next to it.
USER_SRCS := $(wildcard user/*/*.c user/*/*/*.c)
USER_OBJS := $(patsubst user/%.c,$(BUILD)/user/%.o,$(USER_SRCS))
# The datapath objects: linked alone into the BPF unit tests and the fuzzer (with the
# kernel plumbing they ask: device facts, and lib/'s formatters of addresses and protocols).
DP_OBJS   := $(patsubst user/%.c,$(BUILD)/user/%.o,$(wildcard user/datapath/*.c)) \
	     $(BUILD)/user/kernel/netdev.o $(BUILD)/user/lib/log.o $(BUILD)/user/lib/addr.o \
	     $(BUILD)/user/lib/portspec.o $(BUILD)/user/lib/util.o

# Unit test binaries: every selftests/bpf/test_*.c links the datapath-free parts it needs.
UNIT_SRCS := $(wildcard selftests/bpf/*.c)

.PHONY: all test unit integration bench install demo clean fuzz verifier-stats sanitize
all: $(BUILD)/xnet $(BUILD)/xnet-pktgen

$(BUILD):
	mkdir -p $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# Same source, built with XNET_SELFTEST: records redirect targets for BPF_PROG_RUN checks.
$(BUILD)/%.test.bpf.o: bpf/%.bpf.c $(BPF_HDRS) | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -DXNET_SELFTEST -c $< -o $@

$(BUILD)/%.test.skel.h: $(BUILD)/%.test.bpf.o
	$(BPFTOOL) gen skeleton $< name $(basename $(basename $(basename $(notdir $<))))_test > $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $(basename $(basename $(notdir $<))) > $@

# Every user object waits for the skeletons (only datapath/ includes them, but
# generated headers must exist before -MMD can know who needs them).
$(BUILD)/user/%.o: user/%.c $(SKELS) | $(BUILD)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

-include $(USER_OBJS:.o=.d)

$(BUILD)/xnet: $(USER_OBJS)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

# BPF unit tests: the real program sources under BPF_PROG_RUN.
# They also drive user/datapath/ (pinning, attach, flood lists, caches) in a private bpffs.
$(BUILD)/test_bpf: $(UNIT_SRCS) $(TSKELS) $(wildcard selftests/bpf/*.h) $(DP_OBJS)
	$(CC) $(CFLAGS) -Iselftests/bpf $(UNIT_SRCS) $(DP_OBJS) -o $@ $(LDLIBS)

# User-space unit tests (selftests/unit): the pure parts of user/ (lib/, the
# drivers' registry and option checks), no root, no BPF program run; linked
# with the objects they test (the drivers bring the datapath and kernel/
# objects, never called). Table rows leave the fields they do not need out
# (-Wno-missing-field-initializers).
UUNIT_SRCS := $(wildcard selftests/unit/*.c)
UUNIT_OBJS := $(sort $(patsubst %,$(BUILD)/user/lib/%.o,addr portspec template util log) \
		$(patsubst user/%.c,$(BUILD)/user/%.o,$(wildcard user/drivers/*.c)) \
		$(DP_OBJS) $(BUILD)/user/kernel/netlink.o $(BUILD)/user/kernel/netns.o)
$(BUILD)/test_unit: $(UUNIT_SRCS) $(wildcard selftests/unit/*.h) selftests/bpf/test_progs.h $(UUNIT_OBJS)
	$(CC) $(CFLAGS) -Wno-missing-field-initializers -Iselftests/bpf $(UUNIT_SRCS) $(UUNIT_OBJS) -o $@ $(LDLIBS)

# Packet fuzzer: the unit tests' fixture and runner, every frame program under BPF_PROG_RUN.
FUZZ_SRCS := selftests/fuzz/fuzz.c selftests/bpf/test_progs.c selftests/bpf/fixture.c selftests/bpf/pkt.c
$(BUILD)/fuzz_bpf: $(FUZZ_SRCS) $(TSKELS) $(wildcard selftests/bpf/*.h) $(DP_OBJS)
	$(CC) $(CFLAGS) -Iselftests/bpf $(FUZZ_SRCS) $(DP_OBJS) -o $@ $(LDLIBS)

# Verifier cost of every production program (make verifier-stats; checked by make test).
$(BUILD)/verifier_stats: bench/verifier_stats.c $(SKELS)
	$(CC) $(CFLAGS) $< -o $@ $(LDLIBS)

# ns/packet of the production lxc program vs. a bpf_redirect_peer-only floor.
$(BUILD)/floor.bpf.o: bench/floor.bpf.c | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/bench_progrun: bench/progrun.c $(BUILD)/lxc.skel.h $(BUILD)/uplink.skel.h $(BUILD)/uplink_xdp.skel.h $(BUILD)/floor.skel.h headers/xnet_abi.h
	$(CC) $(CFLAGS) $< -o $@ $(LDLIBS)

# Traffic generator and sink (tools/pktgen): live-frames XDP or kernel pktgen.
PKTGEN_HDRS := tools/pktgen/packet.h
$(BUILD)/pktgen.bpf.o: tools/pktgen/pktgen.bpf.c | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/sink.bpf.o: tools/pktgen/sink.bpf.c | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# It asks kernel/netdev.c for a device's XDP features, as the datapath does.
$(BUILD)/xnet-pktgen: tools/pktgen/pktgen.c tools/pktgen/packet.c $(PKTGEN_HDRS) $(BUILD)/pktgen.skel.h $(BUILD)/sink.skel.h \
		      $(BUILD)/user/kernel/netdev.o
	$(CC) $(CFLAGS) -Itools/pktgen tools/pktgen/pktgen.c tools/pktgen/packet.c $(BUILD)/user/kernel/netdev.o \
		-o $@ $(LDLIBS) -lpthread -lm

$(BUILD)/test_pktgen: selftests/pktgen/test_packet.c tools/pktgen/packet.c $(PKTGEN_HDRS) $(BUILD)/pktgen.skel.h $(BUILD)/sink.bpf.o
	$(CC) $(CFLAGS) -Itools/pktgen selftests/pktgen/test_packet.c tools/pktgen/packet.c -o $@ $(LDLIBS)

# A second build of the same programs (selftests/integration/test_upgrade.sh swaps the two under
# traffic): every object carries one more read-only constant, so the embedded objects and the
# build hash differ from build/xnet's as a new release's would. Only datapath/loader.c embeds them.
ALT      := $(BUILD)/alt
ALT_SKELS := $(patsubst bpf/%.bpf.c,$(ALT)/%.skel.h,$(BPF_SRCS))
ALT_HDR  := selftests/integration/build_variant.bpf.h

$(ALT):
	mkdir -p $@

$(ALT)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) $(ALT_HDR) | $(ALT)
	$(CLANG) $(BPF_CFLAGS) -include $(ALT_HDR) -c $< -o $@

$(ALT)/%.skel.h: $(ALT)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $(basename $(basename $(notdir $<))) > $@

$(ALT)/loader.o: user/datapath/loader.c $(ALT_SKELS) | $(ALT)
	$(CC) -I$(ALT) $(CFLAGS) -MMD -MP -c $< -o $@

-include $(ALT)/loader.d

$(BUILD)/xnet-alt: $(filter-out $(BUILD)/user/datapath/loader.o,$(USER_OBJS)) $(ALT)/loader.o
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

test: $(BUILD)/xnet $(BUILD)/xnet-alt $(BUILD)/test_unit $(BUILD)/test_bpf $(BUILD)/xnet-pktgen $(BUILD)/test_pktgen $(BUILD)/fuzz_bpf \
	$(BUILD)/verifier_stats sanitize
	./selftests/run.sh

sanitize:
	$(MAKE) SANITIZE=1 build-san/xnet build-san/test_bpf build-san/test_unit

unit: $(BUILD)/test_unit $(BUILD)/test_bpf
	./$(BUILD)/test_unit
	./$(BUILD)/test_bpf

# The unit tests' frames are the fuzzer's seeds (XT_CORPUS: every frame a test runs).
$(BUILD)/fuzz-seeds.txt: $(BUILD)/test_bpf
	rm -f $@.tmp
	XT_CORPUS=$(CURDIR)/$@.tmp ./$(BUILD)/test_bpf >/dev/null || \
		echo "test_bpf failed (make unit); its frames seed the fuzzer all the same"
	mv $@.tmp $@

FUZZ_FRAMES ?= 10000000
fuzz: $(BUILD)/fuzz_bpf $(BUILD)/fuzz-seeds.txt
	FUZZ_FRAMES=$(FUZZ_FRAMES) FUZZ_SEEDS=$(CURDIR)/$(BUILD)/fuzz-seeds.txt ./$(BUILD)/fuzz_bpf

verifier-stats: $(BUILD)/verifier_stats
	./$(BUILD)/verifier_stats --write bench/results

bench: $(BUILD)/xnet $(BUILD)/bench_progrun
	./bench/run.sh

demo: $(BUILD)/xnet
	./tools/demo.sh

install: $(BUILD)/xnet
	install -D -m 0755 $(BUILD)/xnet $(DESTDIR)$(PREFIX)/bin/xnet
	install -D -m 0644 README.md $(DESTDIR)$(PREFIX)/share/doc/xnet/README.md
	install -D -m 0644 docs/ARCHITECTURE.md $(DESTDIR)$(PREFIX)/share/doc/xnet/ARCHITECTURE.md
	install -D -m 0644 tools/systemd/xnet-reconcile.service $(DESTDIR)/etc/systemd/system/xnet-reconcile.service
	install -D -m 0644 tools/systemd/xnet-dns.service $(DESTDIR)/etc/systemd/system/xnet-dns.service

clean:
	rm -rf build build-san
