# srm: build, test, demo. `make` leaves the binary at ./srm.
# Library code, layered core <- theory <- sim <- task <- cli (README "Where things are").
# CLI: cli/. Tests: tests/.
# BUILD is the object folder and SRM_BIN the binary: `make strict` and `make sanitize` use their
# own (build-strict/, build-sanitize/), so their objects never mix with the normal build.
CC      ?= gcc
# srm's own flags are always on; a user's CFLAGS and LDFLAGS (make CFLAGS=..., or from the
# environment) come after them, so they add to these and may override -O2, never remove -I.
SRM_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -I. -MMD -MP
# make strict and make sanitize set their own flags here (so that CFLAGS stays the user's).
MODE_CFLAGS ?=
# OpenBLAS provides CBLAS (through <gsl/gsl_cblas.h> prototypes) and LAPACKE provides LAPACK.
# Never link gslcblas: it would silently replace OpenBLAS.
LDLIBS  = -lgsl -llapacke -lopenblas -ljansson -lm -fopenmp
BUILD   ?= build
SRM_BIN ?= srm

LIB_SRC  := $(sort $(wildcard core/*.c theory/*.c sim/*.c task/*.c))
CLI_SRC  := $(sort $(wildcard cli/*.c))
TEST_SRC := $(sort $(wildcard tests/test_*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)

# make strict: every file warning-free under these (issue 10).
STRICT_CFLAGS = -O2 -g -Wall -Wextra -Wshadow -Werror
# make sanitize: AddressSanitizer (with LeakSanitizer) and UndefinedBehaviorSanitizer; any
# report ends the program with a non-zero status, so tests/run.sh counts it as a failure.
SAN_CFLAGS = -O2 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SAN_ENV = ASAN_OPTIONS=halt_on_error=1:abort_on_error=0:exitcode=86:detect_leaks=1:strict_string_checks=1 \
          UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=87 \
          LSAN_OPTIONS=exitcode=88

export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1

.PHONY: all check demo clean deps bench notes table1 strict sanitize install browser
all: $(SRM_BIN) $(TEST_BIN)

# The float32 kernels vectorise their gate and softmax functions (core/cell.h): the dynamic cost
# model, and selects instead of branches, which -fno-trapping-math allows and which changes no
# result (no reassociation, no contraction in the double code, which keeps the baseline ISA).
VEC_CFLAGS := -ftree-vectorize -fvect-cost-model=dynamic -fno-trapping-math
$(BUILD)/core/cell.o $(BUILD)/task/net_ops.o: SRM_CFLAGS += $(VEC_CFLAGS)
# The network splits its elementwise loops between OpenBLAS's thread count (task/net_internal.h).
$(BUILD)/task/net_ops.o: SRM_CFLAGS += -fopenmp

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(SRM_CFLAGS) $(MODE_CFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/libsrm.a: $(LIB_OBJ)
	@mkdir -p $(BUILD)
	rm -f $@ && ar rcs $@ $^

$(SRM_BIN): $(CLI_OBJ) $(BUILD)/libsrm.a
	$(CC) $(SRM_CFLAGS) $(MODE_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libsrm.a $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(BUILD)/libsrm.a
	$(CC) $(SRM_CFLAGS) $(MODE_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libsrm.a $(LDLIBS)

# make bench's training-speed probe (not part of all: make check times nothing).
$(BUILD)/bench/train_bench: bench/train_bench.c $(BUILD)/libsrm.a
	@mkdir -p $(dir $@)
	$(CC) $(SRM_CFLAGS) $(MODE_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libsrm.a $(LDLIBS)

# Keep the test objects (make would delete them as intermediates and rebuild them every time).
.SECONDARY: $(TEST_BIN:=.o)

deps:
	@sh scripts/deps.sh

check: deps
	@$(MAKE) --no-print-directory all
	@sh tests/run.sh

strict: deps
	@$(MAKE) --no-print-directory BUILD=build-strict SRM_BIN=build-strict/srm \
	    MODE_CFLAGS='$(STRICT_CFLAGS)' all

# The whole suite (C tests and CLI tests) against the sanitized programs.
sanitize: deps
	@$(MAKE) --no-print-directory BUILD=build-sanitize SRM_BIN=build-sanitize/srm \
	    MODE_CFLAGS='$(SAN_CFLAGS)' all
	@$(SAN_ENV) SRM_JOBS=$${SRM_JOBS:-2} SRM_BUILD=build-sanitize SRM=$(CURDIR)/build-sanitize/srm sh tests/run.sh

# Targets that need only ./srm: build it, then run the command (one recipe for all five).
DEMO_DIR ?= demo-out
TABLE1_DIR ?= table1-out
demo_CMD   = sh scripts/demo.sh $(DEMO_DIR)
bench_CMD  = $(MAKE) --no-print-directory $(BUILD)/bench/train_bench && \
             SRM_BENCH_BIN=$(BUILD)/bench/train_bench sh bench/run.sh
table1_CMD = ./srm table1 --config quick --out $(TABLE1_DIR)
STUDENT ?= 0
notes_CMD  = STUDENT=$(STUDENT) sh scripts/notes.sh
# make browser: the notes site and report.html checked in headless Chromium (tests/browser/).
browser_CMD = sh tests/browser/run.sh
demo bench table1 notes browser: deps
	@$(MAKE) --no-print-directory srm
	@$($@_CMD)

# make install [PREFIX=/usr/local] [DESTDIR=]: the binary, the library with its headers under
# include/srm/ (#include "core/model.h" with -I$(PREFIX)/include/srm), srm.pc for pkg-config, and
# the gnuplot scripts the commands read ($(PREFIX)/share/srm: set SRM_HOME to it).
PREFIX ?= /usr/local
install: $(SRM_BIN) $(BUILD)/libsrm.a
	@sh scripts/install.sh "$(DESTDIR)" "$(PREFIX)" "$(SRM_BIN)" "$(BUILD)/libsrm.a" "$(LDLIBS)"

clean:
	rm -rf build build-strict build-sanitize build-fuzz srm

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_BIN:=.d)

# make fuzz, make fuzz-build: in-tree libFuzzer harnesses (tests/fuzz/README.md)
include tests/fuzz/fuzz.mk
