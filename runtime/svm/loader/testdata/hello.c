// Logs a greeting with its build-time VERSION, reads the Clock sysvar and
// returns data; account 0, if given and writable, gets VERSION in data[0].
#include <atoll.h>

#ifndef VERSION
#define VERSION 1
#endif

uint64_t entrypoint(const uint8_t *input) {
  SolAccountInfo ka[1];
  SolParameters params = {.ka = ka};
  if (!sol_deserialize(input, &params, 1))
    return ERROR_INVALID_ARGUMENT;
  sol_log("hello from C");
  uint64_t clock[5];
  if (sol_get_clock_sysvar(clock) != 0)
    return 1;
  sol_log_64(VERSION, clock[0], clock[2], params.data_len, 0);
  if (params.ka_num > 0 && ka[0].is_writable && ka[0].data_len > 0)
    ka[0].data[0] = VERSION;
  uint8_t ret[2] = {'o', 'k'};
  sol_set_return_data(ret, 2);
  return SUCCESS;
}
