// Deploys a program with @solana/web3.js's BpfLoader.load (BPFLoader2's
// Write/Finalize), invokes it, and reads its logs back with getTransaction:
//   node tests/clients/web3js-bpf.mjs http://127.0.0.1:8899 ws://... program.so
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  BPF_LOADER_PROGRAM_ID, BpfLoader, Connection, Keypair, LAMPORTS_PER_SOL, Transaction,
  TransactionInstruction, sendAndConfirmTransaction,
} from "@solana/web3.js";

const [url, , soPath] = process.argv.slice(2);
const conn = new Connection(url, "confirmed");
const payer = Keypair.generate();
const program = Keypair.generate();

try {
  const sig = await conn.requestAirdrop(payer.publicKey, 10 * LAMPORTS_PER_SOL);
  await conn.confirmTransaction({ signature: sig, ...(await conn.getLatestBlockhash()) }, "confirmed");

  const elf = readFileSync(soPath);
  const deployed = await BpfLoader.load(conn, payer, program, elf, BPF_LOADER_PROGRAM_ID);
  assert.equal(deployed, true, "BpfLoader.load reported failure");
  const info = await conn.getAccountInfo(program.publicKey, "confirmed");
  assert.ok(info.executable, "program account is not executable");
  assert.equal(info.owner.toBase58(), BPF_LOADER_PROGRAM_ID.toBase58());
  console.log(`ok   BpfLoader.load of ${elf.length} bytes`);

  const ix = new TransactionInstruction({ programId: program.publicKey, keys: [], data: Buffer.from([1, 2, 3]) });
  const invokeSig = await sendAndConfirmTransaction(conn, new Transaction().add(ix), [payer], { commitment: "confirmed" });
  const tx = await conn.getTransaction(invokeSig, { commitment: "confirmed", maxSupportedTransactionVersion: 0 });
  const logs = tx.meta.logMessages;
  assert.ok(logs.includes("Program log: greetings from a C program"), `logs: ${logs}`);
  assert.ok(logs.includes(`Program ${program.publicKey.toBase58()} success`), `logs: ${logs}`);
  assert.ok(logs.some((l) => /consumed \d+ of \d+ compute units/.test(l)), `logs: ${logs}`);
  assert.equal(tx.meta.err, null);
  console.log("ok   invoke and getTransaction logs");
} catch (e) {
  console.error(`FAIL ${e?.stack ?? e}`);
  process.exit(1);
}
