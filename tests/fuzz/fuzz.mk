# tests/fuzz/fuzz.mk: in-tree fuzzing with libFuzzer (issue 14; tests/fuzz/README.md). Included
# by the top-level Makefile (`include tests/fuzz/fuzz.mk`), or used alongside it:
#     make -f Makefile -f tests/fuzz/fuzz.mk fuzz FUZZ_SECONDS=5
#   fuzz-build  builds every harness (the fuzz_*.c files here) into build-fuzz/fuzz/;
#   fuzz        builds, then runs each harness FUZZ_SECONDS seconds on a copy of its corpus
#               tests/fuzz/corpus/NAME, one line per harness, non-zero exit on any crash.
# FUZZ_SKIP=resume (names separated by spaces) leaves harnesses out of `fuzz`; FUZZ_FLAGS adds
# libFuzzer flags (e.g. FUZZ_FLAGS=-runs=1000000); FUZZ_JOBS=2 runs two harnesses at a time.
# The library is compiled by $(CLANG) into build-fuzz/ with ASan and UBSan, and with libFuzzer's
# coverage (-fsanitize=fuzzer-no-link) so the fuzzer sees the library's branches and not only
# the harness's.
CLANG ?= clang
FUZZ_SECONDS ?= 20
FUZZ_SKIP ?=
FUZZ_FLAGS ?=
FUZZ_JOBS ?= 1
FUZZ_BUILD := build-fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
# SRM_NO_CLONES: clang 14 names target_clones ifuncs "f.ifunc", so core/cell.h's float32
# clones would not link; the fuzzed code is the same without them.
FUZZ_CFLAGS := -std=gnu11 -Wall -Wextra -I. -g -O1 $(FUZZ_SAN) -DSRM_NO_CLONES -MMD -MP
# The library's own warnings under clang, about gcc-only hints (#pragma GCC ivdep, omp simd
# loops left scalar); the harnesses keep every warning.
FUZZ_LIB_CFLAGS := -Wno-unknown-pragmas -Wno-pass-failed
# The Makefile's link line (OpenBLAS, never gslcblas; see STYLE.md point 6), or the same list.
FUZZ_LDLIBS = $(if $(LDLIBS),$(LDLIBS),-lgsl -llapacke -lopenblas -ljansson -lm -fopenmp)

# The library, and the two readers of srm sweep's files from cli/ (they call only core/).
FUZZ_LIB_SRC := $(sort $(wildcard core/*.c theory/*.c sim/*.c task/*.c)) cli/sweep_grid.c \
    cli/sweep_manifest.c
FUZZ_LIB_OBJ := $(FUZZ_LIB_SRC:%.c=$(FUZZ_BUILD)/%.o)
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_BIN := $(FUZZ_NAMES:%=$(FUZZ_BUILD)/fuzz/%)
FUZZ_RUN := $(filter-out $(FUZZ_SKIP),$(FUZZ_NAMES))

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BIN)

fuzz: fuzz-build
	@OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_FLAGS='$(FUZZ_FLAGS)' \
	    FUZZ_JOBS='$(FUZZ_JOBS)' sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_RUN)

# Checked (and installed when missing) once per build folder.
$(FUZZ_BUILD)/.clang-ok:
	@sh tests/fuzz/deps.sh $(CLANG)
	@mkdir -p $(FUZZ_BUILD) && touch $@

$(FUZZ_BUILD)/task/net_ops.o: FUZZ_CFLAGS += -fopenmp
$(FUZZ_BUILD)/%.o: %.c | $(FUZZ_BUILD)/.clang-ok
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) $(FUZZ_LIB_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

# clang 14 has no _Float16 on x86-64 (clang 15 has): core/dtype.c, the F16/BF16 conversions, is
# compiled by gcc without instrumentation (plain code: no buffers of its own to overflow).
FUZZ_GCC ?= gcc
$(FUZZ_BUILD)/core/dtype.o: core/dtype.c | $(FUZZ_BUILD)/.clang-ok
	@mkdir -p $(dir $@)
	$(FUZZ_GCC) -std=gnu11 -Wall -Wextra -I. -g -O1 -MMD -MP -c $< -o $@

$(FUZZ_BUILD)/libsrm-fuzz.a: $(FUZZ_LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(FUZZ_BUILD)/fuzz/%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(FUZZ_BUILD)/libsrm-fuzz.a
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer -MF $@.d -o $@ $< $(FUZZ_BUILD)/libsrm-fuzz.a \
	    $(FUZZ_LDLIBS)

-include $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_BIN:=.d)
