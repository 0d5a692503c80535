/*
 * inbox.c — the bridge's demo recipient as an sBPF program, for networks
 * that run the SVM runtime (the devbank registers the same logic natively).
 *
 * It accepts a handle(origin, nonce, sender, body) call only from the
 * Replica that the connection manager enrols for origin, and logs it:
 *
 *   inbox: message NONCE from domain ORIGIN: BODY
 *
 * The program ids, the connection manager's state address and the handle
 * discriminator are compiled in with -D (see inbox_bpf.go), each as a brace
 * list of bytes.
 */
#include <atoll.h>

static const SolPubkey replica_program = {REPLICA_PROGRAM};
static const SolPubkey connmgr_program = {CONNMGR_PROGRAM};
static const SolPubkey manager_state = {MANAGER_STATE};
static const uint8_t handle_discriminator[8] = HANDLE_DISCRIMINATOR;

#define HEADER 48      /* discriminator 8, origin 4, nonce 4, sender 32 */
#define BLOB_HEADER 6  /* kind 1, bump 1, blob length u32 BE */
#define KIND_MANAGER 1
#define MANAGER_FIXED 41 /* version 1, local domain 4, owner 32, count 4 */
#define REPLICA_ENTRY 36 /* domain u32 BE, replica state 32 */

static uint32_t be32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/* enrolled reports whether the manager state enrols replica for origin. */
static bool enrolled(const SolAccountInfo *mgr, uint32_t origin, const SolPubkey *replica) {
  if (!SolPubkey_same(mgr->key, &manager_state) || !SolPubkey_same(mgr->owner, &connmgr_program))
    return false;
  if (mgr->data_len < BLOB_HEADER || mgr->data[0] != KIND_MANAGER)
    return false;
  uint64_t n = be32(mgr->data + 2);
  if (n > mgr->data_len - BLOB_HEADER || n < MANAGER_FIXED)
    return false;
  const uint8_t *blob = mgr->data + BLOB_HEADER;
  uint64_t count = be32(blob + 37);
  if (count > (n - MANAGER_FIXED) / REPLICA_ENTRY)
    return false;
  for (uint64_t i = 0; i < count; i++) {
    const uint8_t *e = blob + MANAGER_FIXED + i * REPLICA_ENTRY;
    if (be32(e) == origin)
      return SolPubkey_same((const SolPubkey *)(e + 4), replica);
  }
  return false;
}

uint64_t entrypoint(const uint8_t *input) {
  SolAccountInfo accounts[2];
  SolParameters params = {.ka = accounts};
  if (!sol_deserialize(input, &params, SOL_ARRAY_SIZE(accounts)))
    return ERROR_INVALID_ARGUMENT;
  if (params.data_len < HEADER)
    return ERROR_INVALID_INSTRUCTION_DATA;
  for (int i = 0; i < 8; i++)
    if (params.data[i] != handle_discriminator[i])
      return ERROR_INVALID_INSTRUCTION_DATA;
  if (params.ka_num < 2)
    return ERROR_NOT_ENOUGH_ACCOUNT_KEYS;
  uint32_t origin = be32(params.data + 8), nonce = be32(params.data + 12);
  const SolAccountInfo *rep = &accounts[0];
  if (!rep->is_signer || !SolPubkey_same(rep->owner, &replica_program) || !enrolled(&accounts[1], origin, rep->key)) {
    sol_log("inbox: caller is not the enrolled replica of the origin domain");
    return ERROR_MISSING_REQUIRED_SIGNATURES;
  }
  /* "inbox: message N from domain D: " then the body, in one log line. */
  uint8_t *line = sol_calloc(1, 64 + 2048); /* beyond the 512-byte stack frame */
  if (line == NULL)
    return ERROR_ACCOUNT_BORROW_FAILED;
  uint64_t at = 0;
  const char *parts[2] = {"inbox: message ", " from domain "};
  uint32_t nums[2] = {nonce, origin};
  for (int p = 0; p < 2; p++) {
    for (const char *c = parts[p]; *c; c++)
      line[at++] = (uint8_t)*c;
    char digits[10];
    int k = 0;
    uint32_t v = nums[p];
    do {
      digits[k++] = (char)('0' + v % 10);
      v /= 10;
    } while (v);
    while (k)
      line[at++] = (uint8_t)digits[--k];
  }
  line[at++] = ':';
  line[at++] = ' ';
  uint64_t body = params.data_len - HEADER;
  if (body > 2048)
    return ERROR_INVALID_INSTRUCTION_DATA;
  sol_memcpy_(line + at, params.data + HEADER, body);
  sol_log_((const char *)line, at + body);
  return SUCCESS;
}
