// Drives an atoll RPC server with @solana/kit 8, unmodified:
//   node tests/clients/kit.mjs http://127.0.0.1:8899 ws://127.0.0.1:8900
// sendAndConfirmTransactionFactory needs getEpochInfo, slotSubscribe,
// signatureSubscribe and getSignatureStatuses to behave as Agave's.
import assert from "node:assert/strict";
import {
  AccountRole, address, airdropFactory, appendTransactionMessageInstruction, createSolanaRpc,
  createSolanaRpcSubscriptions, createTransactionMessage, generateKeyPairSigner, getSignatureFromTransaction,
  lamports, pipe, sendAndConfirmTransactionFactory, setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash, signTransactionMessageWithSigners,
} from "@solana/kit";

const [url = "http://127.0.0.1:8899", wsUrl = "ws://127.0.0.1:8900"] = process.argv.slice(2);
const rpc = createSolanaRpc(url);
const rpcSubscriptions = createSolanaRpcSubscriptions(wsUrl);
const SYSTEM = address("11111111111111111111111111111111");
const SOL = 1_000_000_000n;

// SystemInstruction::Transfer: u32 tag 2, u64 lamports, little-endian.
function transferInstruction(from, to, amount) {
  const data = new Uint8Array(12);
  const view = new DataView(data.buffer);
  view.setUint32(0, 2, true);
  view.setBigUint64(4, amount, true);
  return {
    programAddress: SYSTEM,
    accounts: [
      { address: from.address, role: AccountRole.WRITABLE_SIGNER, signer: from },
      { address: to, role: AccountRole.WRITABLE },
    ],
    data,
  };
}

try {
  const payer = await generateKeyPairSigner();
  const recipient = await generateKeyPairSigner();

  await airdropFactory({ rpc, rpcSubscriptions })({
    recipientAddress: payer.address, lamports: lamports(2n * SOL), commitment: "confirmed",
  });
  const { value: funded } = await rpc.getBalance(payer.address, { commitment: "confirmed" }).send();
  assert.equal(funded, 2n * SOL);

  const { value: latest } = await rpc.getLatestBlockhash({ commitment: "confirmed" }).send();
  const message = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayerSigner(payer, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash(latest, m),
    (m) => appendTransactionMessageInstruction(transferInstruction(payer, recipient.address, SOL / 4n), m),
  );
  const signed = await signTransactionMessageWithSigners(message);
  await sendAndConfirmTransactionFactory({ rpc, rpcSubscriptions })(signed, { commitment: "confirmed" });
  const sig = getSignatureFromTransaction(signed);

  const { value: got } = await rpc.getBalance(recipient.address, { commitment: "confirmed" }).send();
  assert.equal(got, SOL / 4n);
  const { value: statuses } = await rpc.getSignatureStatuses([sig]).send();
  assert.equal(statuses[0].err, null);
  const tx = await rpc.getTransaction(sig, { commitment: "confirmed", maxSupportedTransactionVersion: 0, encoding: "json" }).send();
  assert.equal(tx.version, 0);
  assert.equal(tx.meta.err, null);
  // kit parses u64 fields as bigint: rentEpoch must be exactly u64::MAX.
  const { value: acct } = await rpc.getAccountInfo(recipient.address, { encoding: "base64", commitment: "confirmed" }).send();
  assert.equal(acct.rentEpoch, 18446744073709551615n);
  assert.equal(acct.lamports, SOL / 4n);
  assert.deepEqual(acct.data, ["", "base64"]);
  const { value: many } = await rpc.getMultipleAccounts([recipient.address, payer.address], { encoding: "base64" }).send();
  assert.equal(many.length, 2);
  const epoch = await rpc.getEpochInfo().send();
  assert.ok(epoch.blockHeight > 0n);
  console.log("kit: all steps passed");
  process.exit(0);
} catch (e) {
  console.error(`FAIL kit: ${e?.stack ?? e}`);
  if (e?.context) console.error(JSON.stringify(e.context, (_, v) => (typeof v === "bigint" ? v.toString() : v)));
  process.exit(1);
}
