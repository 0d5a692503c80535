// Program-derived addresses: finds the address for seeds {"vault", key of
// account 0} and writes address and bump to account 1's data, then checks
// that create_program_address with the bump reproduces it.
#include <atoll.h>

uint64_t entrypoint(const uint8_t *input) {
  SolAccountInfo accounts[2];
  SolParameters params = {.ka = accounts};
  if (!sol_deserialize(input, &params, 2) || params.ka_num < 2)
    return ERROR_NOT_ENOUGH_ACCOUNT_KEYS;
  SolPubkey found;
  uint8_t bump = 0;
  SolSignerSeed seeds[3] = {{(const uint8_t *)"vault", 5}, {accounts[0].key->x, SIZE_PUBKEY}, {&bump, 1}};
  if (sol_try_find_program_address(seeds, 2, params.program_id, &found, &bump) != 0)
    return INVALID_SEEDS;
  SolPubkey again;
  if (sol_create_program_address(seeds, 3, params.program_id, &again) != 0)
    return INVALID_SEEDS;
  if (!SolPubkey_same(&found, &again))
    return 1;
  if (accounts[1].data_len < 33)
    return ERROR_ACCOUNT_DATA_TOO_SMALL;
  sol_memcpy_(accounts[1].data, found.x, 32);
  accounts[1].data[32] = bump;
  sol_log_pubkey(&found);
  return SUCCESS;
}
