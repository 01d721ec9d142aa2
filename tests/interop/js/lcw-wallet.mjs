#!/usr/bin/env node
// The Learner Credential Wallet (2.2.10) receiving a credential, with LCW's own libraries at
// LCW's pins: @digitalcredentials/vc 10.0.2, ed25519-signature-2020 6.0.0 (installed under the
// alias ed25519-signature-2020-v6: the verifier tests pin 7.0.0), ed25519-verification-key-2020
// 5.0.0, did-method-key 3.0.0, security-document-loader 8.0.0. Driven as LCW drives them:
//
//   flow "legacy": the lcw.app/request.html link → its query on dccrequest://request (what the
//     lcw.app page does) → auth_type must be "bearer" → a did:key from a fresh
//     Ed25519VerificationKey2020 → createPresentation({holder}) → signPresentation with
//     Ed25519Signature2020 and the link's challenge (no domain) → POST the bare VP as JSON to
//     vc_request_url → the answer (a VC, or a VP carrying one) is what LCW stores.
//   flow "vcapi": GET the VCALM interaction URL (Accept: application/json) → protocols.vcapi →
//     POST {} → a VPR with one DIDAuthentication query, challenge and domain (LCW requires both)
//     → POST {"verifiablePresentation": VP} to the same URL → verifiablePresentation.verifiableCredential.
//
// Request: {"link": "https://lcw.app/request.html?…", "interaction": "https://…?iuv=1",
//           "flow": "legacy" | "vcapi", "tamper": null | "signature" | "foreign-key",
//           "replay": false}
//   tamper "signature": the proofValue is changed after signing; "foreign-key": the presentation
//   names another did:key as holder than the one whose key signs it.
// Result: {"holder", "params", "request" (the VPR, vcapi), "status", "answer", "credential",
//          "replay": {"status", "answer"}}
// Network: https only (NODE_EXTRA_CA_CERTS names the throw-away CA of the test server).

import * as vc from '@digitalcredentials/vc';
import {Ed25519Signature2020} from 'ed25519-signature-2020-v6';
import {Ed25519VerificationKey2020} from '@digitalcredentials/ed25519-verification-key-2020';
import * as didKey from '@digitalcredentials/did-method-key';
import {securityLoader} from '@digitalcredentials/security-document-loader';
import {isMain, runCli} from './common.mjs';

const documentLoader = securityLoader().build();
const didKeyDriver = didKey.driver();
didKeyDriver.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519VerificationKey2020.from});

async function newWallet() {
  const verificationKeyPair = await Ed25519VerificationKey2020.generate();
  const {didDocument} = await didKeyDriver.fromKeyPair({verificationKeyPair});
  // the signing key is the generated pair, named as the DID document names it
  verificationKeyPair.id = didDocument.authentication[0];
  verificationKeyPair.controller = didDocument.id;
  return {did: didDocument.id, key: verificationKeyPair};
}

async function didAuth({challenge, domain, tamper}) {
  const wallet = await newWallet();
  const holder = tamper === 'foreign-key' ? (await newWallet()).did : wallet.did;
  const presentation = vc.createPresentation({holder});
  const suite = new Ed25519Signature2020({key: wallet.key});
  const signed = await vc.signPresentation({presentation, suite, documentLoader, challenge, domain});
  if(tamper === 'signature') {
    const value = signed.proof.proofValue;
    signed.proof.proofValue = value.slice(0, -6) + (value.endsWith('zzzzzz') ? 'yyyyyy' : 'zzzzzz');
  }
  return {holder: wallet.did, presentation: signed};
}

function requireHttps(url) {
  if(!String(url).startsWith('https://')) {
    throw new Error(`a wallet posts only over https, not to ${url}`);
  }
  return url;
}

async function postJson(url, body) {
  const response = await fetch(requireHttps(url), {
    method: 'POST', headers: {'Content-Type': 'application/json', Accept: 'application/json'},
    body: JSON.stringify(body)
  });
  const text = await response.text();
  let answer;
  try {
    answer = JSON.parse(text);
  } catch {
    answer = {text};
  }
  return {status: response.status, answer};
}

function storedCredential(answer) {
  // LCW accepts a VC or a VP in the answer; it stores the credentials
  const vp = answer?.verifiablePresentation ?? (answer?.type?.includes?.('VerifiablePresentation') ? answer : null);
  if(vp) {
    return [].concat(vp.verifiableCredential ?? [])[0] ?? null;
  }
  return answer?.type?.includes?.('VerifiableCredential') ? answer : null;
}

async function legacy({link, tamper, replay}) {
  const page = new URL(link);
  if(page.origin !== 'https://lcw.app' || page.pathname !== '/request.html') {
    throw new Error(`not an lcw.app request link: ${link}`);
  }
  const deepLink = new URL('dccrequest://request' + page.search);
  const params = Object.fromEntries(deepLink.searchParams);
  if((params.auth_type ?? 'code') !== 'bearer') {
    throw new Error('Unsupported auth_type');
  }
  for(const name of ['issuer', 'challenge', 'vc_request_url']) {
    if(!params[name]) {
      throw new Error(`the request has no ${name}`);
    }
  }
  const {holder, presentation} = await didAuth({challenge: params.challenge, tamper});
  const first = await postJson(params.vc_request_url, presentation);
  const result = {holder, params, ...first, credential: storedCredential(first.answer)};
  if(replay) {
    result.replay = await postJson(params.vc_request_url, presentation);
  }
  return result;
}

async function vcapi({interaction, tamper, replay}) {
  const found = await fetch(requireHttps(interaction), {headers: {Accept: 'application/json'}});
  const protocols = (await found.json()).protocols ?? {};
  if(!protocols.vcapi) {
    throw new Error('Only "vcapi" is currently supported');
  }
  const start = await postJson(protocols.vcapi, {});
  const request = start.answer.verifiablePresentationRequest;
  const queries = [].concat(request?.query ?? []).filter(q => q.type === 'DIDAuthentication');
  if(queries.length !== 1) {
    throw new Error(`expected one DIDAuthentication query, got ${JSON.stringify(request)}`);
  }
  if(!request.challenge || !request.domain) {
    throw new Error('Both "challenge" and "domain" are required for DID Auth.');
  }
  const {holder, presentation} = await didAuth({challenge: request.challenge,
    domain: request.domain, tamper});
  const body = {verifiablePresentation: presentation};
  const first = await postJson(protocols.vcapi, body);
  const result = {holder, request, ...first, credential: storedCredential(first.answer)};
  if(replay) {
    result.replay = await postJson(protocols.vcapi, body);
  }
  return result;
}

export async function handle(request) {
  return request.flow === 'vcapi' ? vcapi(request) : legacy(request);
}

if(isMain(import.meta.url)) {
  await runCli(handle);
}
