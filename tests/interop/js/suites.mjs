// Signature suites and keys, built the way DCC wallets and verifier-core build them.

import * as Ed25519Multikey from '@digitalcredentials/ed25519-multikey';
import {DataIntegrityProof} from '@digitalcredentials/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from
  '@digitalcredentials/eddsa-rdfc-2022-cryptosuite';
import {Ed25519Signature2020} from '@digitalcredentials/ed25519-signature-2020';

export {eddsaRdfc2022CryptoSuite};

export const SUITE_NAMES = ['eddsa-rdfc-2022', 'Ed25519Signature2020'];

/** Both verification suites (same pair as verifier-core). */
export function verifySuites() {
  return [
    new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite}),
    new Ed25519Signature2020()
  ];
}

/**
 * An Ed25519 key pair from a 32-byte hex seed. The verification method id is
 * `<controller>#<publicKeyMultibase>` (or `verificationMethod` when given); the controller
 * defaults to `did:key:<publicKeyMultibase>`.
 */
export async function keyFromSeed(seedHex, {controller = null, verificationMethod = null} = {}) {
  if(typeof seedHex !== 'string' || !/^[0-9a-fA-F]{64}$/.test(seedHex)) {
    throw new TypeError('"seed" must be 32 bytes as 64 hex digits');
  }
  const seed = Uint8Array.from(Buffer.from(seedHex, 'hex'));
  const probe = await Ed25519Multikey.generate({seed});
  const {publicKeyMultibase} = probe;
  const ctrl = controller || `did:key:${publicKeyMultibase}`;
  const id = verificationMethod || `${ctrl}#${publicKeyMultibase}`;
  return Ed25519Multikey.generate({seed, controller: ctrl, id});
}

/** A signing suite: 'eddsa-rdfc-2022' (DataIntegrityProof) or 'Ed25519Signature2020'. */
export function signSuite(name, keyPair, {created} = {}) {
  const signer = keyPair.signer();
  const date = created ?? undefined;
  if(name === 'eddsa-rdfc-2022') {
    return new DataIntegrityProof({signer, date, cryptosuite: eddsaRdfc2022CryptoSuite});
  }
  if(name === 'Ed25519Signature2020') {
    return new Ed25519Signature2020({signer, date});
  }
  throw new TypeError(`unknown suite ${JSON.stringify(name)}; use one of ${SUITE_NAMES}`);
}
