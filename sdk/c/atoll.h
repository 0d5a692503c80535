/*
 * atoll.h — write Solana programs in C with stock clang.
 *
 *   #include <atoll.h>
 *   uint64_t entrypoint(const uint8_t *input) {
 *     SolAccountInfo accounts[2];
 *     SolParameters params = {.ka = accounts};
 *     if (!sol_deserialize(input, &params, SOL_ARRAY_SIZE(accounts)))
 *       return ERROR_INVALID_ARGUMENT;
 *     sol_log("hello");
 *     return SUCCESS;
 *   }
 *
 * Build: atoll program build prog.c -o prog.so
 * (clang -target bpf -O2 -fno-PIC -ffreestanding -fno-builtin, then atoll's
 * linker). Globals must be const: sBPF has no writable data. Stock clang
 * limits a function's stack frame to 512 bytes and calls to 5 arguments.
 */
#ifndef ATOLL_H
#define ATOLL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SOL_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Return values: 0 is success, builtin errors are n << 32, anything else is
 * Custom(value). */
#define TO_BUILTIN(e) ((uint64_t)(e) << 32)
#define SUCCESS 0
#define ERROR_CUSTOM_ZERO TO_BUILTIN(1)
#define ERROR_INVALID_ARGUMENT TO_BUILTIN(2)
#define ERROR_INVALID_INSTRUCTION_DATA TO_BUILTIN(3)
#define ERROR_INVALID_ACCOUNT_DATA TO_BUILTIN(4)
#define ERROR_ACCOUNT_DATA_TOO_SMALL TO_BUILTIN(5)
#define ERROR_INSUFFICIENT_FUNDS TO_BUILTIN(6)
#define ERROR_INCORRECT_PROGRAM_ID TO_BUILTIN(7)
#define ERROR_MISSING_REQUIRED_SIGNATURES TO_BUILTIN(8)
#define ERROR_ACCOUNT_ALREADY_INITIALIZED TO_BUILTIN(9)
#define ERROR_UNINITIALIZED_ACCOUNT TO_BUILTIN(10)
#define ERROR_NOT_ENOUGH_ACCOUNT_KEYS TO_BUILTIN(11)
#define ERROR_ACCOUNT_BORROW_FAILED TO_BUILTIN(12)
#define MAX_SEED_LENGTH_EXCEEDED TO_BUILTIN(13)
#define INVALID_SEEDS TO_BUILTIN(14)

/* How far a program may grow an account's data in one instruction. */
#define MAX_PERMITTED_DATA_INCREASE (1024 * 10)
#define SIZE_PUBKEY 32
#define MAX_SEEDS 16
#define MAX_SEED_LEN 32
#define MAX_RETURN_DATA 1024

typedef struct {
  uint8_t x[SIZE_PUBKEY];
} SolPubkey;

/* One account as the program sees it. Pointers point into the input
 * region: writing through lamports and data changes the account. */
typedef struct {
  SolPubkey *key;
  uint64_t *lamports;
  uint64_t data_len;
  uint8_t *data;
  SolPubkey *owner;
  uint64_t rent_epoch;
  bool is_signer;
  bool is_writable;
  bool executable;
} SolAccountInfo;

typedef struct {
  SolAccountInfo *ka; /* caller-provided array the deserializer fills */
  uint64_t ka_num;    /* number of accounts in the input */
  const uint8_t *data;
  uint64_t data_len;
  const SolPubkey *program_id;
} SolParameters;

/* A byte slice passed to syscalls (hashing, logging data). */
typedef struct {
  const uint8_t *addr;
  uint64_t len;
} SolBytes;

/* One seed of a program-derived address. */
typedef struct {
  const uint8_t *addr;
  uint64_t len;
} SolSignerSeed;

typedef struct {
  const SolSignerSeed *addr;
  uint64_t len;
} SolSignerSeeds;

typedef struct {
  SolPubkey *pubkey;
  bool is_writable;
  bool is_signer;
} SolAccountMeta;

typedef struct {
  SolPubkey *program_id;
  SolAccountMeta *accounts;
  uint64_t account_len;
  uint8_t *data;
  uint64_t data_len;
} SolInstruction;

/* ---- Syscalls (resolved by name when the program is loaded). ---- */
void abort(void);
void sol_panic_(const char *file, uint64_t len, uint64_t line, uint64_t column);
void sol_log_(const char *message, uint64_t len);
void sol_log_64_(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e);
void sol_log_pubkey(const SolPubkey *key);
void sol_log_compute_units_(void);
void sol_log_data(const SolBytes *fields, uint64_t count);
void sol_memcpy_(void *dst, const void *src, uint64_t n); /* ranges must not overlap */
void sol_memmove_(void *dst, const void *src, uint64_t n);
void sol_memset_(void *dst, uint8_t c, uint64_t n);
void sol_memcmp_(const void *a, const void *b, uint64_t n, int32_t *result);
uint64_t sol_sha256(const SolBytes *slices, uint64_t count, uint8_t *result);
uint64_t sol_keccak256(const SolBytes *slices, uint64_t count, uint8_t *result);
uint64_t sol_secp256k1_recover(const uint8_t *hash, uint64_t recovery_id, const uint8_t *signature, uint8_t *result);
uint64_t sol_create_program_address(const SolSignerSeed *seeds, uint64_t count, const SolPubkey *program_id,
                                    SolPubkey *address);
uint64_t sol_try_find_program_address(const SolSignerSeed *seeds, uint64_t count, const SolPubkey *program_id,
                                      SolPubkey *address, uint8_t *bump_seed);
void sol_set_return_data(const uint8_t *data, uint64_t len);
uint64_t sol_get_return_data(uint8_t *data, uint64_t len, SolPubkey *program_id);
void *sol_alloc_free_(uint64_t size, void *free_ptr);
uint64_t sol_get_stack_height(void);
uint64_t sol_remaining_compute_units(void);
/* Registered by the runtime (not available to `atoll program run`). */
uint64_t sol_invoke_signed_c(const SolInstruction *instruction, const SolAccountInfo *accounts, uint64_t account_count,
                             const SolSignerSeeds *signers, uint64_t signer_count);
uint64_t sol_get_clock_sysvar(void *clock);
uint64_t sol_get_rent_sysvar(void *rent);
uint64_t sol_get_epoch_schedule_sysvar(void *schedule);

/* ---- Helpers. ---- */
static inline uint64_t sol_strlen(const char *s) {
  uint64_t n = 0;
  while (s[n])
    n++;
  return n;
}

static inline void sol_log(const char *message) { sol_log_(message, sol_strlen(message)); }
#define sol_log_64 sol_log_64_
#define sol_panic() sol_panic_(__FILE__, sizeof(__FILE__) - 1, __LINE__, 0)
#define sol_assert(expr) \
  do {                   \
    if (!(expr))         \
      sol_panic();       \
  } while (0)

static inline bool SolPubkey_same(const SolPubkey *a, const SolPubkey *b) {
  for (int i = 0; i < SIZE_PUBKEY; i++)
    if (a->x[i] != b->x[i])
      return false;
  return true;
}

/* Cross-program invocation: call instruction->program_id with the given
 * accounts (every account the callee needs, including the program), signing
 * for program-derived addresses with signers. */
static inline uint64_t sol_invoke_signed(const SolInstruction *instruction, const SolAccountInfo *accounts,
                                         uint64_t account_count, const SolSignerSeeds *signers, uint64_t signer_count) {
  return sol_invoke_signed_c(instruction, accounts, account_count, signers, signer_count);
}

static inline uint64_t sol_invoke(const SolInstruction *instruction, const SolAccountInfo *accounts,
                                  uint64_t account_count) {
  return sol_invoke_signed_c(instruction, accounts, account_count, NULL, 0);
}

/* The system program's address is all zeros. */
static const SolPubkey SOL_SYSTEM_PROGRAM_ID = {{0}};

/* System program instruction data (u32 little-endian discriminant first). */
#define SOL_SYSTEM_CREATE_ACCOUNT_LEN 52 /* 0u32, lamports u64, space u64, owner [32] */
#define SOL_SYSTEM_TRANSFER_LEN 12       /* 2u32, lamports u64 */

static inline void sol_put_u32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

static inline void sol_put_u64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

static inline void sol_system_create_account_data(uint8_t out[SOL_SYSTEM_CREATE_ACCOUNT_LEN], uint64_t lamports,
                                                  uint64_t space, const SolPubkey *owner) {
  sol_put_u32(out, 0);
  sol_put_u64(out + 4, lamports);
  sol_put_u64(out + 12, space);
  for (int i = 0; i < SIZE_PUBKEY; i++)
    out[20 + i] = owner->x[i];
}

static inline void sol_system_transfer_data(uint8_t out[SOL_SYSTEM_TRANSFER_LEN], uint64_t lamports) {
  sol_put_u32(out, 2);
  sol_put_u64(out + 4, lamports);
}

/* Heap allocation from the bump allocator; memory is never freed. */
static inline void *sol_calloc(uint64_t count, uint64_t size) {
  void *p = sol_alloc_free_(count * size, 0);
  if (p)
    sol_memset_(p, 0, count * size);
  return p;
}

/*
 * sol_deserialize reads the aligned input format into params, filling at
 * most ka_max entries of params->ka (params->ka_num still counts every
 * account). Layout, per account:
 *   u8 dup marker (0xff, or the index of an earlier entry + 7 bytes padding)
 *   u8 is_signer, u8 is_writable, u8 executable, 4 bytes padding
 *   [32] key, [32] owner, u64 lamports, u64 data_len, data,
 *   MAX_PERMITTED_DATA_INCREASE bytes, padding to 8, u64 rent_epoch
 * then u64 instruction data length, instruction data, [32] program id.
 */
static inline bool sol_deserialize(const uint8_t *input, SolParameters *params, uint64_t ka_max) {
  if (input == NULL || params == NULL)
    return false;
  params->ka_num = *(const uint64_t *)input;
  input += sizeof(uint64_t);
  for (uint64_t i = 0; i < params->ka_num; i++) {
    uint8_t dup = input[0];
    input += 1;
    if (dup != 0xff) {
      if (i < ka_max && dup < ka_max)
        params->ka[i] = params->ka[dup];
      input += 7;
      continue;
    }
    bool is_signer = input[0], is_writable = input[1], executable = input[2];
    input += 3 + 4;
    SolPubkey *key = (SolPubkey *)input;
    input += SIZE_PUBKEY;
    SolPubkey *owner = (SolPubkey *)input;
    input += SIZE_PUBKEY;
    uint64_t *lamports = (uint64_t *)input;
    input += sizeof(uint64_t);
    uint64_t data_len = *(const uint64_t *)input;
    input += sizeof(uint64_t);
    uint8_t *data = (uint8_t *)input;
    input += data_len + MAX_PERMITTED_DATA_INCREASE;
    input += (8 - (uint64_t)input % 8) % 8;
    uint64_t rent_epoch = *(const uint64_t *)input;
    input += sizeof(uint64_t);
    if (i < ka_max) {
      SolAccountInfo *a = &params->ka[i];
      a->key = key;
      a->owner = owner;
      a->lamports = lamports;
      a->data_len = data_len;
      a->data = data;
      a->rent_epoch = rent_epoch;
      a->is_signer = is_signer;
      a->is_writable = is_writable;
      a->executable = executable;
    }
  }
  params->data_len = *(const uint64_t *)input;
  input += sizeof(uint64_t);
  params->data = input;
  input += params->data_len;
  params->program_id = (const SolPubkey *)input;
  return true;
}

/* The data length lives just before the data in the input region; a program
 * that resizes an account (within MAX_PERMITTED_DATA_INCREASE) writes it
 * there. */
static inline void sol_set_data_len(SolAccountInfo *a, uint64_t len) {
  ((uint64_t *)a->data)[-1] = len;
  a->data_len = len;
}

#endif /* ATOLL_H */
