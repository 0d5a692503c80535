// Memory operations on account 0's data (at least 64 bytes):
//   data[0..16)  <- "0123456789abcdef" (memcpy from rodata)
//   data[16..32) <- 0x5a (memset)
//   data[2..10)  <- data[0..8) (memmove, overlapping)
//   data[32..36) <- memcmp("abcd", "abce") as int32
//   then grows the account by 8 bytes, filled with 0x77.
#include <atoll.h>

static const char pattern[16] = "0123456789abcdef";

uint64_t entrypoint(const uint8_t *input) {
  SolAccountInfo accounts[1];
  SolParameters params = {.ka = accounts};
  if (!sol_deserialize(input, &params, 1) || params.ka_num < 1)
    return ERROR_NOT_ENOUGH_ACCOUNT_KEYS;
  SolAccountInfo *a = &accounts[0];
  if (!a->is_writable)
    return ERROR_INVALID_ARGUMENT;
  if (a->data_len < 64)
    return ERROR_ACCOUNT_DATA_TOO_SMALL;
  sol_memcpy_(a->data, pattern, 16);
  sol_memset_(a->data + 16, 0x5a, 16);
  sol_memmove_(a->data + 2, a->data, 8);
  int32_t cmp = 0;
  sol_memcmp_("abcd", "abce", 4, &cmp);
  sol_memcpy_(a->data + 32, &cmp, 4);
  uint64_t old = a->data_len;
  sol_set_data_len(a, old + 8);
  sol_memset_(a->data + old, 0x77, 8);
  return SUCCESS;
}
