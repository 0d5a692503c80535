// Breaks one rule of the access policy, chosen at build time with -DRULE=n.
// Account 0 and 1 are set up by the test for the rule in question; the
// runtime must refuse the instruction and roll the transaction back.
#include <atoll.h>

uint64_t entrypoint(const uint8_t *input) {
  SolAccountInfo ka[2];
  SolParameters params = {.ka = ka};
  if (!sol_deserialize(input, &params, 2) || params.ka_num < 2)
    return ERROR_NOT_ENOUGH_ACCOUNT_KEYS;
#if RULE == 1
  // Take ownership of an account owned by someone else.
  sol_memcpy_(ka[0].owner->x, params.program_id->x, 32);
#elif RULE == 2
  // Spend lamports of an account the program does not own.
  *ka[0].lamports -= 1;
  *ka[1].lamports += 1;
#elif RULE == 3
  // Change the balance of a read-only account (owned by the program).
  *ka[0].lamports += 1;
  *ka[1].lamports -= 1;
#elif RULE == 4
  // Grow an account's data: the serialized length precedes the data.
  *(uint64_t *)(ka[0].data - 8) = ka[0].data_len + 1;
#elif RULE == 5
  // Modify data of an account owned by another program.
  ka[0].data[0] ^= 1;
#elif RULE == 8
  // Create a lamport out of nothing.
  *ka[0].lamports += 1;
#else
#error "RULE must be 1, 2, 3, 4, 5 or 8"
#endif
  return SUCCESS;
}
