// Return data and hashing: sets the return data to the sha256 of the
// instruction data, reads it back and returns Custom(2) if it differs.
#include <atoll.h>

uint64_t entrypoint(const uint8_t *input) {
  SolParameters params = {.ka = NULL};
  if (!sol_deserialize(input, &params, 0))
    return ERROR_INVALID_ARGUMENT;
  uint8_t digest[32];
  SolBytes in[1] = {{params.data, params.data_len}};
  sol_sha256(in, 1, digest);
  sol_set_return_data(digest, sizeof(digest));
  uint8_t back[32];
  SolPubkey setter;
  uint64_t n = sol_get_return_data(back, sizeof(back), &setter);
  if (n != 32 || !SolPubkey_same(&setter, params.program_id))
    return 2;
  for (int i = 0; i < 32; i++)
    if (back[i] != digest[i])
      return 2;
  return SUCCESS;
}
