// Transfers lamports from account 0 (a signer) to account 1 through
// sol_invoke_signed_rust, laying out the Rust structures by hand:
// StableInstruction, 34-byte AccountMeta, and AccountInfo whose lamports and
// data live behind Rc<RefCell<..>> boxes.
// Accounts: 0 from (signer, writable), 1 to (writable), 2 system program.
// Data: lamports u64.
#include <atoll.h>

/* Not in atoll.h: C programs use sol_invoke_signed_c. */
uint64_t sol_invoke_signed_rust(const void *instruction, const void *account_infos, uint64_t n, const void *seeds,
                                uint64_t n_seeds);

typedef struct {
  uint64_t ptr, cap, len;
} StableVec;

typedef struct {
  StableVec accounts;
  StableVec data;
  SolPubkey program_id;
} StableInstruction;

typedef struct {
  uint8_t bytes[34]; // pubkey, is_signer, is_writable
} RustAccountMeta;

typedef struct {
  uint64_t strong, weak;
  int64_t borrow;
  uint64_t *value;
} RcLamports;

typedef struct {
  uint64_t strong, weak;
  int64_t borrow;
  uint8_t *ptr;
  uint64_t len;
} RcData;

typedef struct {
  SolPubkey *key;
  RcLamports *lamports;
  RcData *data;
  SolPubkey *owner;
  uint64_t rent_epoch;
  bool is_signer, is_writable, executable;
} RustAccountInfo;

uint64_t entrypoint(const uint8_t *input) {
  // clang limits a BPF stack frame to 512 bytes: the structures go on the heap.
  SolAccountInfo *ka = sol_calloc(3, sizeof(SolAccountInfo));
  SolParameters params = {.ka = ka};
  if (!sol_deserialize(input, &params, 3) || params.ka_num < 3 || params.data_len < 8)
    return ERROR_INVALID_ARGUMENT;
  uint64_t lamports = *(const uint64_t *)params.data;

  RustAccountMeta metas[2];
  for (int i = 0; i < 2; i++) {
    sol_memcpy_(metas[i].bytes, ka[i].key->x, 32);
    metas[i].bytes[32] = i == 0; // is_signer
    metas[i].bytes[33] = 1;      // is_writable
  }
  uint8_t data[12];
  *(uint32_t *)data = 2; // SystemInstruction::Transfer
  *(uint64_t *)(data + 4) = lamports;
  StableInstruction ix = {{(uint64_t)metas, 2, 2}, {(uint64_t)data, 12, 12}, *ka[2].key};

  RcLamports *lam = sol_calloc(3, sizeof(RcLamports));
  RcData *dat = sol_calloc(3, sizeof(RcData));
  RustAccountInfo *infos = sol_calloc(3, sizeof(RustAccountInfo));
  for (int i = 0; i < 3; i++) {
    lam[i] = (RcLamports){1, 1, 0, ka[i].lamports};
    dat[i] = (RcData){1, 1, 0, ka[i].data, ka[i].data_len};
    infos[i] = (RustAccountInfo){ka[i].key, &lam[i], &dat[i], ka[i].owner, 0, ka[i].is_signer, ka[i].is_writable, ka[i].executable};
  }
  uint64_t r = sol_invoke_signed_rust(&ix, infos, 3, NULL, 0);
  if (r != 0)
    return r;
  // The callee's new balances are visible through the caller's pointers.
  sol_log_64(*ka[0].lamports, *ka[1].lamports, 0, 0, 0);
  return SUCCESS;
}
