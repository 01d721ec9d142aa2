#!/usr/bin/env node
// Signs/s and verifies/s of the JavaScript reference (DCC libraries), one process = one core.
//
// Usage: node bench/js_bench.mjs <credential.json> <seed-hex> [seconds=3]
//
// Signs the unsigned credential with eddsa-rdfc-2022 (@digitalcredentials/vc issue() with
// DataIntegrityProof + eddsa-rdfc-2022-cryptosuite; key and did:key controller from the seed)
// repeatedly for `seconds`, then verifies the signed copy (@digitalcredentials/vc
// verifyCredential) repeatedly for `seconds`, after a few uncounted warm-up rounds of each.
// The offline document loader of the interop tests serves the contexts and did:key, so no
// network is used. Verification uses CredentialIssuancePurpose when the credential's issuer
// is the seed's did:key, else AssertionProofPurpose (the proof and the key's controller are
// still checked; only "issuer == key controller" is not), as "purpose" in the output says.
//
// Prints one JSON line:
//   {"sign_per_s": x, "verify_per_s": y, "n_sign": n, "n_verify": m, ...}
// Needs `npm ci` in tests/interop (the interop tests' harness does it).

import {existsSync, readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import path from 'node:path';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const INTEROP = path.resolve(HERE, '..', 'tests', 'interop');
const WARMUP = 5;
const CREATED = '2026-01-01T00:00:00Z';

function fail(message) {
  process.stderr.write(message + '\n');
  process.exit(1);
}

const [credentialPath, seedHex, secondsArg] = process.argv.slice(2);
if(!credentialPath || !seedHex) {
  fail('usage: node bench/js_bench.mjs <credential.json> <seed-hex> [seconds]');
}
const seconds = secondsArg === undefined ? 3 : Number(secondsArg);
if(!(seconds > 0)) {
  fail(`seconds must be a positive number, not ${secondsArg}`);
}
if(!existsSync(path.join(INTEROP, 'node_modules', '@digitalcredentials', 'vc'))) {
  fail(`the DCC packages are not installed: run \`npm ci\` in ${INTEROP}`);
}

const vc = await import(path.join(INTEROP, 'node_modules', '@digitalcredentials', 'vc',
  'lib', 'index.js'));
const {createLoader} = await import(path.join(INTEROP, 'js', 'loader.mjs'));
const {keyFromSeed, signSuite, verifySuites} = await import(path.join(INTEROP, 'js',
  'suites.mjs'));
const {default: jsigs} = await import(path.join(INTEROP, 'node_modules', '@digitalcredentials',
  'jsonld-signatures', 'lib', 'jsonld-signatures.js'));
const {purposes: {AssertionProofPurpose}} = jsigs;

const unsigned = JSON.parse(readFileSync(credentialPath, 'utf8'));
delete unsigned.proof;
const documentLoader = createLoader({});
const keyPair = await keyFromSeed(seedHex);
const issuer = typeof unsigned.issuer === 'object' ? unsigned.issuer?.id : unsigned.issuer;
const issuerIsKey = issuer === keyPair.controller;

async function signOnce() {
  const suite = signSuite('eddsa-rdfc-2022', keyPair, {created: CREATED});
  return vc.issue({credential: structuredClone(unsigned), suite, documentLoader});
}

async function verifyOnce(signed) {
  // Proof verification only, as on the Python side: a status entry is accepted without a fetch.
  const options = {credential: signed, suite: verifySuites(), documentLoader,
    checkStatus: async () => ({verified: true})};
  if(!issuerIsKey) {
    options.purpose = new AssertionProofPurpose();
  }
  const result = await vc.verifyCredential(options);
  if(!result.verified) {
    const reason = result.error?.errors?.map(e => e.message).join('; ') ||
      result.error?.message || JSON.stringify(result).slice(0, 500);
    throw new Error(`the reference did not verify its own signature: ${reason}`);
  }
  return result;
}

async function rate(fn) {
  for(let i = 0; i < WARMUP; ++i) {
    await fn();
  }
  let n = 0;
  const start = performance.now();
  const stop = start + seconds * 1000;
  let now = start;
  while(now < stop) {
    await fn();
    ++n;
    now = performance.now();
  }
  return {n, perSecond: n / ((now - start) / 1000)};
}

try {
  const signedOnce = await signOnce();
  const sign = await rate(signOnce);
  const verify = await rate(() => verifyOnce(signedOnce));
  process.stdout.write(JSON.stringify({
    sign_per_s: Number(sign.perSecond.toFixed(2)),
    verify_per_s: Number(verify.perSecond.toFixed(2)),
    n_sign: sign.n,
    n_verify: verify.n,
    seconds,
    purpose: issuerIsKey ? 'CredentialIssuancePurpose' : 'AssertionProofPurpose',
    verification_method: keyPair.id,
    node: process.version
  }) + '\n');
} catch(error) {
  fail(String(error?.stack || error));
}
