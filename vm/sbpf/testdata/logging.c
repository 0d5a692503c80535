// Logging: every log syscall once. Returns Custom(42) if no accounts.
#include <atoll.h>

uint64_t entrypoint(const uint8_t *input) {
  SolAccountInfo accounts[1];
  SolParameters params = {.ka = accounts};
  if (!sol_deserialize(input, &params, SOL_ARRAY_SIZE(accounts)))
    return ERROR_INVALID_ARGUMENT;
  if (params.ka_num < 1)
    return 42;
  sol_log("hello from C");
  sol_log_64(params.ka_num, params.data_len, *accounts[0].lamports, accounts[0].data_len, accounts[0].is_signer);
  sol_log_pubkey(params.program_id);
  SolBytes fields[2] = {{params.data, params.data_len}, {(const uint8_t *)"atoll", 5}};
  sol_log_data(fields, 2);
  sol_log_compute_units_();
  return SUCCESS;
}
