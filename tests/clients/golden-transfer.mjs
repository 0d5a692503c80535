// Writes the golden transfer vector with @solana/web3.js, a real client:
//   node tests/clients/golden-transfer.mjs > runtime/svm/sol/testdata/golden_transfer.json
import { Keypair, PublicKey, SystemProgram, Transaction } from "@solana/web3.js";

const seed = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const payer = Keypair.fromSeed(seed);
const to = new PublicKey("4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T");
const tx = new Transaction({
  feePayer: payer.publicKey,
  recentBlockhash: "EkSnNWid2cvwEVnVx9aBqawnmiCNiDgp3gUdkDPTKN1N",
}).add(SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: to, lamports: 1000 }));
tx.sign(payer);

console.log(JSON.stringify({
  client: "@solana/web3.js 1.99.0",
  payer: payer.publicKey.toBase58(),
  to: to.toBase58(),
  lamports: 1000,
  blockhash: tx.recentBlockhash,
  message_hex: Buffer.from(tx.serializeMessage()).toString("hex"),
  transaction_hex: Buffer.from(tx.serialize()).toString("hex"),
  signature: Buffer.from(tx.signature).toString("hex"),
}, null, 2));
