# csmetrics - plain Makefile.  Quiet by default; `make V=1` shows commands.
#
#   make            build build/csmetrics (installs missing build deps)
#   make check      build with ASan+UBSan and run every test
#   make demo       run every report on the bundled demo data into build/demo
#   make bench      measure against a bare libcsv pass and DuckDB
#   make fuzz       run each libFuzzer target FUZZ_SECONDS seconds (clang)
#   make memcheck   run the demo and the bad-input corpus under valgrind
#   make install    PREFIX=/usr/local DESTDIR=
#   make format / format-check / clean

PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
CC ?= cc
V ?= 0
FUZZ_SECONDS ?= 60

HPDF_LIBS ?= -lhpdf
CSV_LIBS ?= -lcsv
PKGS = gsl xlsxwriter

ifeq ($(V),0)
Q = @
say = @printf '  %-6s %s\n' $(1) $(2);
else
Q =
say =
endif

WARN = -Wall -Wextra -Wshadow -Wconversion -Wformat=2 -Wstrict-prototypes \
       -Wmissing-prototypes -Wwrite-strings -Werror
BASE_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
              -DCSM_SHARE_DIR=\"$(PREFIX)/share/csmetrics\" \
              -Iinclude $(WARN) -MMD -MP -pthread
# Evaluated at recipe time, after `deps` has installed pkg-config's files.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS = $(shell pkg-config --libs $(PKGS)) $(HPDF_LIBS) $(CSV_LIBS) -lm -pthread
CMOCKA_LIBS = $(shell pkg-config --libs cmocka)

OPT_CFLAGS = -O2 -g
SAN_CFLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined,float-cast-overflow \
             -fno-sanitize-recover=undefined -DCSM_TESTING
SAN_LDFLAGS = -fsanitize=address,undefined,float-cast-overflow

LIB_SRC := $(sort $(shell find src -name '*.c' ! -path 'src/main.c'))
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
TEST_SUPPORT := $(sort $(wildcard tests/unit/support/*.c))
BENCH_SRC := tests/bench/csvpass.c

OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
SAN_OBJ := $(LIB_SRC:%.c=$(BUILD)/san/%.o)
SAN_SUPPORT_OBJ := $(TEST_SUPPORT:%.c=$(BUILD)/san/%.o)
TESTS := $(TEST_SRC:tests/unit/%.c=$(BUILD)/san/tests/%)

BIN := $(BUILD)/csmetrics
SAN_BIN := $(BUILD)/san/csmetrics
DEPS_STAMP := $(BUILD)/.deps-ok

.PHONY: all deps check demo bench fuzz fuzz-bins memcheck install uninstall \
        clean format format-check test-bins

all: $(BIN)

# Keep test objects; they are not intermediate files to delete.
.SECONDARY:

# ---------------------------------------------------------------- deps
DEPS_PKGS = gcc make pkg-config libcsv-dev libgsl-dev libxlsxwriter-dev \
            libhpdf-dev libcmocka-dev fonts-dejavu-core poppler-utils unzip
DEPS_FILES = /usr/include/csv.h /usr/include/hpdf.h \
             /usr/include/xlsxwriter.h /usr/include/gsl/gsl_cdf.h \
             /usr/include/cmocka.h \
             /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf \
             /usr/bin/pdftotext /usr/bin/unzip

deps: $(DEPS_STAMP)

$(DEPS_STAMP):
	$(Q)missing=; for f in $(DEPS_FILES); do [ -e $$f ] || missing="$$missing $$f"; done; \
	command -v pkg-config >/dev/null 2>&1 || missing="$$missing pkg-config"; \
	if [ -n "$$missing" ]; then \
	  echo "csmetrics: missing build dependencies:$$missing"; \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get update -q && apt-get install -y -q $(DEPS_PKGS) || exit 1; \
	  else \
	    echo "csmetrics: install them with:"; \
	    echo "  sudo apt-get install -y $(DEPS_PKGS)"; exit 1; \
	  fi; \
	fi
	$(Q)mkdir -p $(BUILD) && touch $@

# ---------------------------------------------------------------- build
$(BUILD)/obj/%.o: %.c | $(DEPS_STAMP)
	$(call say,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(BASE_CFLAGS) $(OPT_CFLAGS) $(PKG_CFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/libcsm.a: $(OBJ)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN): $(BUILD)/obj/src/main.o $(BUILD)/libcsm.a
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# ---------------------------------------------------------------- check
$(BUILD)/san/%.o: %.c | $(DEPS_STAMP)
	$(call say,CC-SAN,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(BASE_CFLAGS) $(SAN_CFLAGS) $(PKG_CFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/san/libcsm.a: $(SAN_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^

$(SAN_BIN): $(BUILD)/san/src/main.o $(BUILD)/san/libcsm.a
	$(call say,LD-SAN,$@)
	$(Q)$(CC) $(SAN_LDFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/san/tests/%: $(BUILD)/san/tests/unit/%.o $(SAN_SUPPORT_OBJ) $(BUILD)/san/libcsm.a
	$(call say,LD-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(SAN_LDFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CMOCKA_LIBS)

test-bins: $(TESTS) $(SAN_BIN)

check: test-bins
	$(Q)CSM_BIN=$(abspath $(SAN_BIN)) CSM_ROOT=$(CURDIR) \
	  CSM_TMP=$(abspath $(BUILD))/san/tmp \
	  tests/run-tests $(TESTS)

# ---------------------------------------------------------------- demo
DEMO_DATA = fixtures/demo
DEMO_OUT = $(BUILD)/demo

demo: $(BIN)
	$(Q)tests/run-demo $(BIN) $(DEMO_DATA) $(DEMO_OUT)

# ---------------------------------------------------------------- bench
$(BUILD)/csvpass: $(BENCH_SRC) | $(DEPS_STAMP)
	$(Q)$(CC) $(BASE_CFLAGS) -O2 $(CFLAGS) -o $@ $< $(CSV_LIBS)

bench: $(BIN) $(BUILD)/csvpass
	$(Q)tests/bench/run-bench $(BIN) $(BUILD)/csvpass

# ---------------------------------------------------------------- fuzz
# libFuzzer targets, one per entry of tests/unit/support/fuzz_entry.h, built
# with clang into $(BUILD)/fuzz.  `make fuzz` runs tests/fuzz/run-fuzz,
# which installs clang when missing, builds them (make fuzz-bins), seeds
# the corpora from fixtures/ and runs each for FUZZ_SECONDS.
FUZZ_CC ?= clang
FUZZ_NAMES = snapshot folder csv money date report_def style config json
FUZZ_DIR = $(BUILD)/fuzz
FUZZ_SAN = address,undefined,float-cast-overflow
FUZZ_CFLAGS = -O1 -g -fno-omit-frame-pointer \
              -fsanitize=fuzzer-no-link,$(FUZZ_SAN) \
              -fno-sanitize-recover=undefined -DCSM_TESTING
FUZZ_OBJ := $(LIB_SRC:%.c=$(FUZZ_DIR)/obj/%.o) \
            $(FUZZ_DIR)/obj/tests/unit/support/fuzz_entry.o
FUZZ_BINS := $(FUZZ_NAMES:%=$(FUZZ_DIR)/fuzz_%)

$(FUZZ_DIR)/obj/%.o: %.c | $(DEPS_STAMP)
	$(call say,CC-FUZ,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(BASE_CFLAGS) $(FUZZ_CFLAGS) -Itests/unit $(PKG_CFLAGS) $(CFLAGS) -c $< -o $@

$(FUZZ_DIR)/libcsm.a: $(FUZZ_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_main.c $(FUZZ_DIR)/libcsm.a
	$(call say,LD-FUZ,$@)
	$(Q)$(FUZZ_CC) $(BASE_CFLAGS) $(FUZZ_CFLAGS) -Itests/unit \
	  -DCSM_FUZZ_ENTRY=csm_fuzz_$* -fsanitize=fuzzer,$(FUZZ_SAN) \
	  $(LDFLAGS) -o $@ $< $(FUZZ_DIR)/libcsm.a $(PKG_LIBS)

fuzz-bins: $(FUZZ_BINS)

fuzz: | $(DEPS_STAMP)
	$(Q)BUILD=$(BUILD) tests/fuzz/run-fuzz $(FUZZ_SECONDS)

memcheck: $(BIN)
	$(Q)tests/run-memcheck $(BIN)

# ---------------------------------------------------------------- misc
install: $(BIN)
	$(Q)install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/csmetrics/reports \
	  $(DESTDIR)$(PREFIX)/share/csmetrics/templates
	$(Q)install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/csmetrics
	$(Q)install -m 644 reports/*.report $(DESTDIR)$(PREFIX)/share/csmetrics/reports/ 2>/dev/null || true
	$(Q)install -m 644 templates/* $(DESTDIR)$(PREFIX)/share/csmetrics/templates/

uninstall:
	$(Q)rm -f $(DESTDIR)$(PREFIX)/bin/csmetrics
	$(Q)rm -rf $(DESTDIR)$(PREFIX)/share/csmetrics

FORMAT_FILES = $(shell find src include tests -name '*.[ch]')
format:
	$(Q)clang-format -i $(FORMAT_FILES)

format-check:
	$(Q)clang-format --dry-run --Werror $(FORMAT_FILES)

clean:
	$(Q)rm -rf $(BUILD)

-include $(OBJ:.o=.d) $(SAN_OBJ:.o=.d) $(FUZZ_OBJ:.o=.d) $(BUILD)/obj/src/main.d $(BUILD)/san/src/main.d \
  $(TEST_SRC:tests/unit/%.c=$(BUILD)/san/tests/unit/%.d) $(SAN_SUPPORT_OBJ:.o=.d)
