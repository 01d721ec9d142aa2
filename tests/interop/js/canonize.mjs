#!/usr/bin/env node
// Canonical N-Quads of a JSON-LD document, exactly as the DCC suites compute them.
//
// Request: {"document": {...}, "testContexts": false, "documents": {}}
// Result:  {
//   "nquads": "...",               // eddsa-rdfc-2022 path: the cryptosuite's own canonize()
//                                  //   (jsonld toRDF, then rdf-canonize 4 RDFC-1.0, safe mode)
//   "nquads_ed25519_2020": "..."   // Ed25519Signature2020 path: jsonld.canonize() as
//                                  //   LinkedDataSignature calls it (URDNA2015 through the
//                                  //   rdf-canonize 3 bundled with @digitalcredentials/jsonld)
// }
// A path that refuses the document answers "error" / "error_ed25519_2020" instead.

import jsonld from '@digitalcredentials/jsonld';
import {createLoader} from './loader.mjs';
import {errorMessages, isMain, runCli} from './common.mjs';
import {eddsaRdfc2022CryptoSuite} from './suites.mjs';

export async function canonizeRequest(req) {
  if(!req.document || typeof req.document !== 'object') {
    throw new TypeError('request needs "document"');
  }
  const documentLoader = createLoader({
    testContexts: !!req.testContexts, documents: req.documents ?? {}
  });
  const out = {};
  try {
    out.nquads = await eddsaRdfc2022CryptoSuite.canonize(structuredClone(req.document),
      {documentLoader, base: null, safe: true});
  } catch(error) {
    out.error = errorMessages(error).join('; ') || String(error);
  }
  try {
    out.nquads_ed25519_2020 = await jsonld.canonize(structuredClone(req.document), {
      algorithm: 'URDNA2015', base: null, format: 'application/n-quads',
      documentLoader, safe: true
    });
  } catch(error) {
    out.error_ed25519_2020 = errorMessages(error).join('; ') || String(error);
  }
  return out;
}

if(isMain(import.meta.url)) {
  await runCli(canonizeRequest);
}
