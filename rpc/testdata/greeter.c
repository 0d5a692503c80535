// A program for the real-client tests: it logs a greeting and the length of
// its instruction data, and returns the data reversed as return data.
#include <atoll.h>

uint64_t entrypoint(const uint8_t *input) {
  SolAccountInfo ka[1];
  SolParameters params = {.ka = ka};
  if (!sol_deserialize(input, &params, 1))
    return ERROR_INVALID_ARGUMENT;
  sol_log("greetings from a C program");
  sol_log_64(params.data_len, 0, 0, 0, 0);
  uint8_t out[64];
  uint64_t n = params.data_len < sizeof(out) ? params.data_len : sizeof(out);
  for (uint64_t i = 0; i < n; i++)
    out[i] = params.data[n - 1 - i];
  sol_set_return_data(out, n);
  return SUCCESS;
}
