// Creates a program-derived account through a cross-program invocation of
// the system program, signing for the PDA with its seeds {"vault", bump}.
// Accounts: 0 payer (signer, writable), 1 the PDA (writable), 2 system program.
// Data: bump u8, lamports u64, space u64.
#include <atoll.h>

uint64_t entrypoint(const uint8_t *input) {
  SolAccountInfo ka[3];
  SolParameters params = {.ka = ka};
  if (!sol_deserialize(input, &params, 3) || params.ka_num < 3)
    return ERROR_NOT_ENOUGH_ACCOUNT_KEYS;
  if (params.data_len < 17)
    return ERROR_INVALID_INSTRUCTION_DATA;
  uint8_t bump = params.data[0];
  uint64_t lamports = *(const uint64_t *)(params.data + 1);
  uint64_t space = *(const uint64_t *)(params.data + 9);

  // SystemInstruction::CreateAccount { lamports, space, owner }.
  uint8_t data[4 + 8 + 8 + 32];
  *(uint32_t *)data = 0;
  *(uint64_t *)(data + 4) = lamports;
  *(uint64_t *)(data + 12) = space;
  sol_memcpy_(data + 20, params.program_id->x, 32);

  SolAccountMeta metas[2] = {{ka[0].key, true, true}, {ka[1].key, true, true}};
  SolInstruction ix = {ka[2].key, metas, 2, data, sizeof(data)};
  SolSignerSeed seeds[2] = {{(const uint8_t *)"vault", 5}, {&bump, 1}};
  SolSignerSeeds signers[1] = {{seeds, 2}};
  uint64_t r = sol_invoke_signed_c(&ix, ka, 3, signers, 1);
  if (r != 0)
    return r;
  sol_log("created");
  // The callee's changes are visible to the caller after the invocation.
  if (*ka[1].lamports != lamports || ka[1].data_len != space)
    return 77;
  return SUCCESS;
}
