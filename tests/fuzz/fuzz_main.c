/* One libFuzzer target: compiled once per entry point of
 * tests/unit/support/fuzz_entry.h with -DCSM_FUZZ_ENTRY=csm_fuzz_<name>
 * (see the fuzz rules of the Makefile and tests/fuzz/run-fuzz). */
#include <stddef.h>
#include <stdint.h>

#include "support/fuzz_entry.h"

#ifndef CSM_FUZZ_ENTRY
#error "compile with -DCSM_FUZZ_ENTRY=csm_fuzz_<target>"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return CSM_FUZZ_ENTRY(data, size);
}
