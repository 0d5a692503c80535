// Failure modes, chosen by the first instruction data byte:
//   0: Custom(7)   1: builtin InvalidArgument   2: panic   3: abort
//   4: load outside the input   5: infinite loop
#include <atoll.h>

uint64_t entrypoint(const uint8_t *input) {
  SolParameters params = {.ka = NULL};
  if (!sol_deserialize(input, &params, 0) || params.data_len < 1)
    return ERROR_INVALID_INSTRUCTION_DATA;
  switch (params.data[0]) {
  case 0:
    return 7;
  case 1:
    return ERROR_INVALID_ARGUMENT;
  case 2:
    sol_panic();
    return 0;
  case 3:
    abort();
    return 0;
  case 4:
    return *(volatile const uint64_t *)(params.data + 100000);
  default:
    for (volatile int i = 0;; i++) {
    }
  }
}
