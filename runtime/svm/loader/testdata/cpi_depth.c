// Invokes itself with a counter one lower until the counter reaches zero, so
// a large counter exceeds the maximum invocation depth.
// Accounts: 0 this program. Data: counter u8.
#include <atoll.h>

uint64_t entrypoint(const uint8_t *input) {
  SolAccountInfo ka[1];
  SolParameters params = {.ka = ka};
  if (!sol_deserialize(input, &params, 1) || params.ka_num < 1 || params.data_len < 1)
    return ERROR_INVALID_ARGUMENT;
  uint8_t n = params.data[0];
  sol_log_64(n, sol_get_stack_height(), 0, 0, 0);
  if (n == 0)
    return SUCCESS;
  uint8_t next = n - 1;
  SolAccountMeta metas[1] = {{ka[0].key, false, false}};
  SolInstruction ix = {(SolPubkey *)params.program_id, metas, 1, &next, 1};
  return sol_invoke_signed_c(&ix, ka, 1, NULL, 0);
}
