#!/usr/bin/env node
// Sign a credential with the DCC libraries, offline.
//
// Request: {
//   "credential": {...unsigned...},
//   "suite": "eddsa-rdfc-2022" | "Ed25519Signature2020",
//   "seed": "<64 hex digits>",                // Ed25519 seed
//   "controller": "did:key:..." | null,       // null: did:key of the seed's public key
//   "verificationMethod": null,               // default <controller>#<publicKeyMultibase>
//   "created": "2024-01-01T00:00:00Z",        // optional proof.created
//   "testContexts": false, "allowHttp": [], "documents": {},
//   "setIssuer": false,                       // true: issuer (or issuer.id) := controller
//   "raw": false                              // true: jsonld-signatures sign() without the
//                                             //   @digitalcredentials/vc issue() checks
// }
// Result: {"signed": {...}, "verificationMethod": "...", "publicKeyMultibase": "..."}
//     or  {"error": "<message>"} when the libraries refuse the credential.

import * as vc from '@digitalcredentials/vc';
import jsigs from '@digitalcredentials/jsonld-signatures';
import {createLoader, guardNetwork} from './loader.mjs';
import {errorMessages, isMain, runCli} from './common.mjs';
import {keyFromSeed, signSuite} from './suites.mjs';

const {purposes: {AssertionProofPurpose}} = jsigs;

export async function signRequest(req) {
  const allowHttp = req.allowHttp ?? [];
  guardNetwork({allowHttp});
  const documentLoader = createLoader({
    allowHttp, testContexts: !!req.testContexts, documents: req.documents ?? {}
  });
  const keyPair = await keyFromSeed(req.seed, {
    controller: req.controller ?? null, verificationMethod: req.verificationMethod ?? null
  });
  const suite = signSuite(req.suite ?? 'eddsa-rdfc-2022', keyPair, {created: req.created});
  const credential = structuredClone(req.credential);
  if(!credential || typeof credential !== 'object') {
    throw new TypeError('request needs "credential"');
  }
  if(req.setIssuer) {
    if(credential.issuer && typeof credential.issuer === 'object') {
      credential.issuer.id = keyPair.controller;
    } else {
      credential.issuer = keyPair.controller;
    }
  }
  try {
    const signed = req.raw ?
      await jsigs.sign(credential, {suite, purpose: new AssertionProofPurpose(), documentLoader}) :
      await vc.issue({credential, suite, documentLoader});
    return {signed, verificationMethod: keyPair.id,
      publicKeyMultibase: keyPair.publicKeyMultibase};
  } catch(error) {
    return {error: errorMessages(error).join('; ') || String(error)};
  }
}

if(isMain(import.meta.url)) {
  await runCli(signRequest);
}
