// Drives an atoll RPC server with @solana/web3.js v1, unmodified:
//   node tests/clients/web3js.mjs http://127.0.0.1:8899
// Exits non-zero with a message on the first failed expectation.
import assert from "node:assert/strict";
import {
  Connection, Keypair, LAMPORTS_PER_SOL, PublicKey, SystemProgram, Transaction,
  sendAndConfirmTransaction,
} from "@solana/web3.js";

const url = process.argv[2] ?? "http://127.0.0.1:8899";
const conn = new Connection(url, "confirmed");

async function step(name, fn) {
  try {
    await fn();
    console.log(`ok   ${name}`);
  } catch (e) {
    console.error(`FAIL ${name}: ${e?.stack ?? e}`);
    process.exit(1);
  }
}

const payer = Keypair.generate();
const recipient = Keypair.generate();
let transferSig;

await step("getVersion, getGenesisHash, getSlot, getEpochInfo", async () => {
  const v = await conn.getVersion();
  assert.equal(typeof v["solana-core"], "string");
  assert.equal(typeof (await conn.getGenesisHash()), "string");
  const slot = await conn.getSlot("processed");
  assert.ok(slot >= 0);
  const e = await conn.getEpochInfo();
  assert.ok(e.slotsInEpoch > 0 && e.absoluteSlot >= 0);
});

await step("requestAirdrop + confirmTransaction", async () => {
  const sig = await conn.requestAirdrop(payer.publicKey, 2 * LAMPORTS_PER_SOL);
  const bh = await conn.getLatestBlockhash();
  const res = await conn.confirmTransaction({ signature: sig, ...bh }, "confirmed");
  assert.equal(res.value.err, null);
  assert.equal(await conn.getBalance(payer.publicKey), 2 * LAMPORTS_PER_SOL);
});

await step("SystemProgram.transfer with sendAndConfirmTransaction", async () => {
  const tx = new Transaction().add(SystemProgram.transfer({
    fromPubkey: payer.publicKey, toPubkey: recipient.publicKey, lamports: LAMPORTS_PER_SOL / 2,
  }));
  transferSig = await sendAndConfirmTransaction(conn, tx, [payer]);
  assert.equal(typeof transferSig, "string");
});

await step("getAccountInfo / getBalance", async () => {
  assert.equal(await conn.getBalance(recipient.publicKey), LAMPORTS_PER_SOL / 2);
  assert.equal(await conn.getBalance(payer.publicKey), 2 * LAMPORTS_PER_SOL - LAMPORTS_PER_SOL / 2 - 5000);
  const info = await conn.getAccountInfo(recipient.publicKey);
  assert.ok(info);
  assert.equal(info.lamports, LAMPORTS_PER_SOL / 2);
  assert.ok(info.owner.equals(SystemProgram.programId));
  assert.equal(info.executable, false);
  assert.equal(info.data.length, 0);
  assert.equal(await conn.getAccountInfo(Keypair.generate().publicKey), null);
  const many = await conn.getMultipleAccountsInfo([recipient.publicKey, Keypair.generate().publicKey]);
  assert.equal(many.length, 2);
  assert.equal(many[0].lamports, LAMPORTS_PER_SOL / 2);
  assert.equal(many[1], null);
});

await step("getTransaction, getParsedTransaction, getSignatureStatuses, getSignaturesForAddress, getBlock", async () => {
  const tx = await conn.getTransaction(transferSig, { commitment: "confirmed", maxSupportedTransactionVersion: 0 });
  assert.ok(tx, "transaction not found");
  assert.equal(tx.meta.err, null);
  assert.equal(tx.meta.fee, 5000);
  assert.ok(tx.meta.logMessages.includes("Program 11111111111111111111111111111111 invoke [1]"), tx.meta.logMessages.join("\n"));
  assert.ok(tx.meta.logMessages.includes("Program 11111111111111111111111111111111 success"));
  const st = await conn.getSignatureStatuses([transferSig]);
  assert.ok(["confirmed", "finalized"].includes(st.value[0].confirmationStatus));
  const sigs = await conn.getSignaturesForAddress(recipient.publicKey);
  assert.equal(sigs.length, 1);
  assert.equal(sigs[0].signature, transferSig);
  const parsed = await conn.getParsedTransaction(transferSig, { commitment: "confirmed", maxSupportedTransactionVersion: 0 });
  const ix = parsed.transaction.message.instructions[0];
  assert.equal(ix.program, "system");
  assert.equal(ix.parsed.type, "transfer");
  assert.equal(ix.parsed.info.lamports, LAMPORTS_PER_SOL / 2);
  assert.equal(ix.parsed.info.destination, recipient.publicKey.toBase58());
  assert.ok(parsed.transaction.message.accountKeys[0].signer);
  const block = await conn.getBlock(tx.slot, { commitment: "confirmed", maxSupportedTransactionVersion: 0 });
  assert.ok(block.transactions.some((t) => t.transaction.signatures[0] === transferSig));
});

await step("response shapes web3.js validates: fees, rent, blocks, epochs, program accounts", async () => {
  const { blockhash, lastValidBlockHeight } = await conn.getLatestBlockhash("confirmed");
  const height = await conn.getBlockHeight("confirmed");
  assert.ok(lastValidBlockHeight >= height + 150 - 2, `${lastValidBlockHeight} vs height ${height}`);
  assert.equal((await conn.isBlockhashValid(blockhash)).value, true);
  const msg = new Transaction({ feePayer: payer.publicKey, blockhash, lastValidBlockHeight })
    .add(SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: recipient.publicKey, lamports: 1 }))
    .compileMessage();
  assert.equal((await conn.getFeeForMessage(msg, "confirmed")).value, 5000);
  assert.equal(await conn.getMinimumBalanceForRentExemption(0), 890880);
  const sched = await conn.getEpochSchedule();
  assert.ok(sched.slotsPerEpoch > 0);
  assert.ok((await conn.getBlockTime(await conn.getSlot("finalized"))) > 0);
  const blocks = await conn.getBlocks(0, await conn.getSlot("finalized"));
  assert.ok(blocks.length > 0);
  assert.ok(Array.isArray(await conn.getRecentPrioritizationFees()));
  assert.equal((await conn.getTransactionCount()) > 0, true);
  const owned = await conn.getProgramAccounts(SystemProgram.programId, {
    filters: [{ dataSize: 0 }, { memcmp: { offset: 0, bytes: "" } }],
  });
  assert.ok(owned.some((a) => a.pubkey.equals(recipient.publicKey)));
  const nodes = await conn.getClusterNodes();
  assert.equal(nodes.length, 1);
  assert.ok((await conn.getSignatureStatus(transferSig, { searchTransactionHistory: true })).value);
});

await step("simulateTransaction of a failing transfer: error and logs", async () => {
  const tx = new Transaction().add(SystemProgram.transfer({
    fromPubkey: recipient.publicKey, toPubkey: payer.publicKey, lamports: 10 * LAMPORTS_PER_SOL,
  }));
  tx.feePayer = recipient.publicKey;
  const sim = await conn.simulateTransaction(tx, [recipient]);
  assert.deepEqual(sim.value.err, { InstructionError: [0, { Custom: 1 }] });
  const logs = sim.value.logs.join("\n");
  assert.match(logs, /Transfer: insufficient lamports 499995000, need 10000000000/);
  assert.match(logs, /Program 11111111111111111111111111111111 failed/);
  assert.ok(sim.value.unitsConsumed > 0);
  // Preflight refuses the same transaction with -32002, carrying the logs.
  await assert.rejects(sendAndConfirmTransaction(conn, tx, [recipient]), (e) => {
    assert.match(String(e), /custom program error: 0x1/);
    assert.ok(e.logs?.some((l) => l.includes("insufficient lamports")), "preflight error carries logs");
    return true;
  });
});

await step("subscriptions: onSlotChange, onAccountChange, onLogs", async () => {
  const slot = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("no slot notification")), 5000);
    const id = conn.onSlotChange((s) => { clearTimeout(t); conn.removeSlotChangeListener(id); resolve(s.slot); });
  });
  assert.ok(slot > 0);
  const target = Keypair.generate().publicKey;
  const seen = new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("no account notification")), 5000);
    const id = conn.onAccountChange(target, (acct) => { clearTimeout(t); conn.removeAccountChangeListener(id); resolve(acct); }, "confirmed");
  });
  const logs = new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("no logs notification")), 5000);
    const id = conn.onLogs(target, (l) => { clearTimeout(t); conn.removeOnLogsListener(id); resolve(l); }, "confirmed");
  });
  await new Promise((r) => setTimeout(r, 300)); // let the subscriptions register
  const tx = new Transaction().add(SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: target, lamports: LAMPORTS_PER_SOL / 10 }));
  const sig = await sendAndConfirmTransaction(conn, tx, [payer]);
  const acct = await seen;
  assert.equal(acct.lamports, LAMPORTS_PER_SOL / 10);
  const l = await logs;
  assert.equal(l.signature, sig);
  assert.equal(l.err, null);
});

console.log("web3.js: all steps passed");
process.exit(0);
