// Cross-program invocation: creates account 1 (a program-derived address
// for seeds {"vault", bump}) through the system program, paid by account 0,
// owned by this program, with 16 bytes of space. Accounts: 0 payer (signer,
// writable), 1 vault (writable), 2 system program. Instruction data: the
// bump seed. Needs a chain (sol_invoke_signed_c is the runtime's).
#include <atoll.h>

uint64_t entrypoint(const uint8_t *input) {
  SolAccountInfo accounts[3];
  SolParameters params = {.ka = accounts};
  if (!sol_deserialize(input, &params, 3) || params.ka_num < 3)
    return ERROR_NOT_ENOUGH_ACCOUNT_KEYS;
  if (params.data_len < 1)
    return ERROR_INVALID_INSTRUCTION_DATA;
  uint8_t bump = params.data[0];

  uint8_t data[SOL_SYSTEM_CREATE_ACCOUNT_LEN];
  sol_system_create_account_data(data, 1000000, 16, params.program_id);
  SolAccountMeta metas[2] = {{accounts[0].key, true, true}, {accounts[1].key, true, true}};
  SolInstruction ix = {(SolPubkey *)&SOL_SYSTEM_PROGRAM_ID, metas, 2, data, sizeof(data)};

  SolSignerSeed seeds[2] = {{(const uint8_t *)"vault", 5}, {&bump, 1}};
  SolSignerSeeds signers[1] = {{seeds, 2}};
  uint64_t err = sol_invoke_signed(&ix, accounts, 3, signers, 1);
  if (err != SUCCESS)
    return err;
  if (accounts[1].data_len != 16 || !SolPubkey_same(accounts[1].owner, params.program_id))
    return 3;
  return SUCCESS;
}
