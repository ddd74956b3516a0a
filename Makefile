# srm: build, test, demo. `make` leaves the binary at ./srm.
# Library code, layered core <- theory <- sim <- task <- cli (README "Where things are").
# CLI: cli/. Tests: tests/.
CC      ?= gcc
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -I. -MMD -MP
# OpenBLAS provides CBLAS (through <gsl/gsl_cblas.h> prototypes) and LAPACKE provides LAPACK.
# Never link gslcblas: it would silently replace OpenBLAS.
LDLIBS  = -lgsl -llapacke -lopenblas -ljansson -lm

LIB_SRC  := $(sort $(wildcard core/*.c theory/*.c sim/*.c task/*.c))
CLI_SRC  := $(sort $(wildcard cli/*.c))
TEST_SRC := $(sort $(wildcard tests/test_*.c))
LIB_OBJ  := $(LIB_SRC:%.c=build/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=build/%.o)
TEST_BIN := $(TEST_SRC:tests/%.c=build/tests/%)

export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1

.PHONY: all check demo clean deps bench notes table1
all: srm $(TEST_BIN)

build/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

build/libsrm.a: $(LIB_OBJ)
	@mkdir -p build
	rm -f $@ && ar rcs $@ $^

srm: $(CLI_OBJ) build/libsrm.a
	$(CC) $(CFLAGS) -o $@ $(CLI_OBJ) build/libsrm.a $(LDLIBS)

build/tests/%: build/tests/%.o build/libsrm.a
	$(CC) $(CFLAGS) -o $@ $< build/libsrm.a $(LDLIBS)

deps:
	@sh scripts/deps.sh

check: deps
	@$(MAKE) --no-print-directory all
	@sh tests/run.sh

DEMO_DIR ?= demo-out
demo: deps
	@$(MAKE) --no-print-directory srm
	@sh scripts/demo.sh $(DEMO_DIR)

bench: deps
	@$(MAKE) --no-print-directory srm
	@sh bench/run.sh

TABLE1_DIR ?= table1-out
table1: deps
	@$(MAKE) --no-print-directory srm
	./srm table1 --config quick --out $(TABLE1_DIR)

notes: deps
	@$(MAKE) --no-print-directory srm
	@sh scripts/notes.sh

clean:
	rm -rf build srm

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_BIN:=.d)
