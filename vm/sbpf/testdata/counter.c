// A realistic small program, used by BenchmarkInvoke: checks the signer,
// moves lamports from account 0 to account 1 by the amount in the
// instruction data, and folds account 1's data (256 bytes) into a running
// checksum stored in its first 8 bytes. About 3,000 instructions per call.
#include <atoll.h>

uint64_t entrypoint(const uint8_t *input) {
  SolAccountInfo accounts[2];
  SolParameters params = {.ka = accounts};
  if (!sol_deserialize(input, &params, 2) || params.ka_num < 2)
    return ERROR_NOT_ENOUGH_ACCOUNT_KEYS;
  SolAccountInfo *from = &accounts[0], *to = &accounts[1];
  if (!from->is_signer)
    return ERROR_MISSING_REQUIRED_SIGNATURES;
  if (!to->is_writable || to->data_len < 256)
    return ERROR_INVALID_ACCOUNT_DATA;
  if (params.data_len < 8)
    return ERROR_INVALID_INSTRUCTION_DATA;
  uint64_t amount = *(const uint64_t *)params.data;
  if (*from->lamports < amount)
    return ERROR_INSUFFICIENT_FUNDS;
  *from->lamports -= amount;
  *to->lamports += amount;
  uint64_t sum = *(uint64_t *)to->data;
  for (int round = 0; round < 2; round++)
    for (uint64_t i = 8; i < 256; i++)
      sum = (sum ^ to->data[i]) * 1099511628211ull + round;
  *(uint64_t *)to->data = sum;
  return SUCCESS;
}
