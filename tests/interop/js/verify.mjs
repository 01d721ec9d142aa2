#!/usr/bin/env node
// Verify a credential (or presentation) with @digitalcredentials/vc, offline.
//
// Request: {
//   "credential": {...} | null, "presentation": {...} | null,
//   "allowHttp": ["http://127.0.0.1:5123/"],  // loopback prefixes the loader may GET
//   "testContexts": false,                    // serve test-only contexts (W3C vectors)
//   "fragmentKeys": false,                    // resolve https://x#z6Mk.. from the fragment
//   "documents": {url: doc},                  // extra static documents
//   "now": "2024-01-01T00:00:00Z",            // optional clock for validFrom/validUntil
//   "checkIssuer": true,                      // false: AssertionProofPurpose (no issuer ==
//                                             //   key controller check; W3C vectors)
//   "verifyMatchingIssuers": true,            // status list issuer must equal VC issuer
//   "challenge": "...", "domain": "..."       // for a signed presentation
// }
// Result: {"verified": bool, "errors": [msg...], "warnings": [msg...], "results": {...}}

import * as vc from '@digitalcredentials/vc';
import jsigs from '@digitalcredentials/jsonld-signatures';
import {checkStatus} from '@digitalcredentials/vc-bitstring-status-list';
import {createLoader, guardNetwork} from './loader.mjs';
import {errorMessages, isMain, jsonSafe, runCli} from './common.mjs';
import {verifySuites} from './suites.mjs';

const {purposes: {AssertionProofPurpose}} = jsigs;

function statusChecker(credential) {
  if(!credential || !credential.credentialStatus) {
    return undefined;
  }
  // vc-bitstring-status-list refuses other status types with a clear error, which we report
  return checkStatus;
}

function statusWarnings(statusResult, warnings) {
  for(const r of statusResult?.results ?? []) {
    if(r.verified === false) {
      const cs = r.credentialStatus || {};
      warnings.push(`status bit set: ${cs.statusPurpose} (index ${cs.statusListIndex} of ` +
        `${cs.statusListCredential})`);
    }
  }
}

export async function verifyRequest(req) {
  const notes = [];
  const allowHttp = req.allowHttp ?? [];
  guardNetwork({allowHttp});
  const documentLoader = createLoader({
    allowHttp, testContexts: !!req.testContexts, fragmentKeys: !!req.fragmentKeys,
    documents: req.documents ?? {}, notes
  });
  const suite = verifySuites();
  const common = {
    suite, documentLoader,
    now: req.now ?? undefined,
    verifyMatchingIssuers: req.verifyMatchingIssuers ?? true
  };
  if(req.checkIssuer === false) {
    common.purpose = new AssertionProofPurpose();
  }

  let result;
  let errors;
  const warnings = [...notes];
  if(req.presentation) {
    const presentation = req.presentation;
    const credentials = [].concat(presentation.verifiableCredential ?? []);
    const withStatus = credentials.find(c => c && c.credentialStatus);
    result = await vc.verify({
      ...common, presentation,
      unsignedPresentation: !presentation.proof,
      challenge: req.challenge ?? presentation.proof?.challenge,
      domain: req.domain ?? undefined,
      checkStatus: statusChecker(withStatus)
    });
    errors = errorMessages(result.error, result.presentationResult?.error,
      ...(result.credentialResults ?? []).flatMap(r => [r.error, r.statusResult?.error]));
    for(const r of result.credentialResults ?? []) {
      statusWarnings(r.statusResult, warnings);
    }
  } else if(req.credential) {
    const credential = req.credential;
    result = await vc.verifyCredential({
      ...common, credential, checkStatus: statusChecker(credential)
    });
    errors = errorMessages(result.error, result.statusResult?.error,
      ...(result.results ?? []).map(r => r.error));
    statusWarnings(result.statusResult, warnings);
  } else {
    throw new TypeError('request needs "credential" or "presentation"');
  }
  warnings.push(...notes.filter(n => !warnings.includes(n)));
  const verified = result.verified === true;
  if(!verified && errors.length === 0) {
    errors.push(warnings.length ? 'not verified: ' + warnings.join('; ') : 'not verified');
  }
  return {
    verified,
    errors,
    warnings: [...new Set(warnings)],
    results: jsonSafe(result, {omit: ['credential', 'document']})
  };
}

if(isMain(import.meta.url)) {
  await runCli(verifyRequest);
}
