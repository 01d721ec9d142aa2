// Stand-in for @digitalcredentials/vc as imported by verifier-core: the real module, with
// verifyCredential/verify wrapped to keep their raw results. verifier-core reduces a failed
// proof to "The signature is not valid."; verify-core.mjs reports the underlying messages
// from these raw results as "diagnostics".

import * as real from '@digitalcredentials/vc';

export * from '@digitalcredentials/vc';

export const rawResults = [];

export async function verifyCredential(options) {
  const result = await real.verifyCredential(options);
  rawResults.push(result);
  return result;
}

export async function verify(options) {
  const result = await real.verify(options);
  rawResults.push(result);
  return result;
}
