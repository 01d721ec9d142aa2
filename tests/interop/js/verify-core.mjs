#!/usr/bin/env node
// Verify with @digitalcredentials/verifier-core (what DCC's VerifierPlus / wallets run), offline.
//
// Request: same as verify.mjs ("credential" | "presentation", "allowHttp", "testContexts",
// "fragmentKeys", "documents"), plus
//   "knownDIDRegistries": [],        // registry list handed to verifier-core (default: none)
//   "registry": {"<issuer DID>": {"name": "...", "url": "...", "location": "..."}}
//                                    // optional: an in-memory DCC-legacy registry, appended
//                                    //   to knownDIDRegistries as "Local test registry"
//   "unsignedPresentation": null     // default: presentation has no proof
// verifier-core takes no clock ("now" is ignored) and no document loader: see
// core-security-loader.mjs for how its loader is kept offline. Its schema check fetches the
// 1EdTech JSON Schemas with fetch(); the network guard answers them from <repo>/schemas.
//
// Result: {"verified": bool, "errors": [...], "warnings": [...], "diagnostics": [...],
//          "result": <verifier-core's result>}
//   diagnostics: the messages of the underlying @digitalcredentials/vc results, which
//     verifier-core collapses (e.g. to "The signature is not valid.").
//   verified: no fatal error, and every log step (valid_signature, expiration,
//     revocation_status...) is valid, except registered_issuer, which is reported as a warning.

import {register} from 'node:module';
import {createLoader, guardNetwork} from './loader.mjs';
import {errorMessages, isMain, jsonSafe, runCli} from './common.mjs';

register('./hooks.mjs', import.meta.url);
const core = await import('@digitalcredentials/verifier-core');
const {setOfflineLoader} = await import('./core-security-loader.mjs');
const {rawResults} = await import('./core-vc-spy.mjs');

const LOCAL_REGISTRY_URL = 'http://registry.invalid/known-did-registry.json';

function describe(error) {
  if(!error) {
    return 'unknown error';
  }
  if(typeof error === 'string') {
    return error;
  }
  const message = typeof error.message === 'string' ? error.message :
    JSON.stringify(jsonSafe(error.message, {maxDepth: 4}));
  return error.name ? `${error.name}: ${message}` : message;
}

function schemaWarnings(additionalInformation, warnings) {
  for(const entry of additionalInformation ?? []) {
    if(entry.id !== 'schema_check') {
      continue;
    }
    if(typeof entry.results === 'string') {
      if(entry.results !== 'NO_SCHEMA') {
        warnings.push(`schema_check: ${entry.results}`);
      }
      continue;
    }
    for(const r of entry.results ?? []) {
      if(r.result && r.result.valid === false) {
        const why = (r.result.errors ?? []).slice(0, 5).map(e =>
          `${e.instancePath || '/'} ${e.message}`).join('; ');
        warnings.push(`schema_check: ${r.schema} invalid: ${why}`);
      }
    }
  }
}

function classifyCredential(res, prefix, errors, warnings) {
  for(const e of res.errors ?? []) {
    errors.push(prefix + describe(e));
  }
  let signatureValid = false;
  for(const step of res.log ?? []) {
    if(step.id === 'registered_issuer') {
      if(!step.valid) {
        const unchecked = (step.uncheckedRegistries ?? []).map(r => r.name || r.url);
        warnings.push(prefix + 'registered_issuer: issuer not found in any known DID registry' +
          (unchecked.length ? ` (unchecked: ${unchecked.join(', ')})` : ''));
      }
      continue;
    }
    if(step.id === 'valid_signature' && step.valid === true) {
      signatureValid = true;
    }
    if(step.error) {
      errors.push(`${prefix}${step.id}: ${describe(step.error)}`);
    } else if(step.valid !== true) {
      errors.push(`${prefix}${step.id}: not valid`);
    }
  }
  if(!signatureValid && !(res.errors ?? []).length) {
    errors.push(prefix + 'valid_signature: no valid signature step in the log');
  }
  schemaWarnings(res.additionalInformation, warnings);
}

export async function verifyCoreRequest(req) {
  const allowHttp = req.allowHttp ?? [];
  const knownDIDRegistries = [...(req.knownDIDRegistries ?? [])];
  const responses = {};
  if(req.registry) {
    responses[LOCAL_REGISTRY_URL] = {registry: req.registry};
    knownDIDRegistries.push({name: 'Local test registry', type: 'dcc-legacy',
      url: LOCAL_REGISTRY_URL});
  }
  guardNetwork({allowHttp, responses});
  const notes = [];
  setOfflineLoader(createLoader({
    allowHttp, testContexts: !!req.testContexts, fragmentKeys: !!req.fragmentKeys,
    documents: req.documents ?? {}, notes
  }));
  const errors = [];
  const warnings = [];
  rawResults.length = 0;
  let result;
  if(req.presentation) {
    const presentation = req.presentation;
    result = await core.verifyPresentation({
      presentation, knownDIDRegistries,
      unsignedPresentation: req.unsignedPresentation ?? !presentation.proof,
      ...(req.challenge ? {challenge: req.challenge} : {})
    });
    for(const e of result.errors ?? []) {
      errors.push(describe(e));
    }
    const pr = result.presentationResult;
    if(pr && pr.signature === 'invalid') {
      errors.push('presentation: signature invalid' +
        (pr.errors ? ': ' + pr.errors.map(describe).join('; ') : ''));
    }
    (result.credentialResults ?? []).forEach((r, i) =>
      classifyCredential(r, `credential[${i}] `, errors, warnings));
  } else if(req.credential) {
    result = await core.verifyCredential({credential: req.credential, knownDIDRegistries});
    classifyCredential(result, '', errors, warnings);
  } else {
    throw new TypeError('request needs "credential" or "presentation"');
  }
  warnings.push(...notes);
  const diagnostics = errorMessages(...rawResults.flatMap(r => [r.error,
    r.statusResult?.error, r.presentationResult?.error,
    ...(r.results ?? []).map(x => x?.error),
    ...(r.credentialResults ?? []).flatMap(c => [c.error, c.statusResult?.error])]));
  return {
    verified: errors.length === 0,
    errors: [...new Set(errors)],
    warnings: [...new Set(warnings)],
    diagnostics,
    result: jsonSafe(result, {omit: ['credential']})
  };
}

if(isMain(import.meta.url)) {
  await runCli(verifyCoreRequest);
}
