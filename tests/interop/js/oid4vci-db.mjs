#!/usr/bin/env node
// A wallet built on @digitalbazaar/oid4-client 5.10.0: offer by reference -> metadata ->
// token -> a credential request without a proof (answered invalid_proof with a c_nonce) ->
// the request again with a jwt proof over that nonce -> credential (an issuer that needs no
// proof for the offered configuration answers the first request with the credential).
// Request (stdin): {"offerUri": "..."}; result (stdout): {"did", "credential", "requests",
//   "replays": {"offer": "<error>"}}. Trusts the test CA through NODE_EXTRA_CA_CERTS.
import {OID4Client, getCredentialOffer} from '@digitalbazaar/oid4-client';
import {describe, holderKey, readRequest} from './wallet-key.mjs';

const {offerUri} = await readRequest();
const holder = holderKey();
const requests = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const url = typeof input === 'string' ? input : input?.url;
  if(String(url).endsWith('/credential')) {
    const body = init?.body ?? (input instanceof Request ? await input.clone().text() : undefined);
    requests.push(body ? JSON.parse(body) : null);
  }
  return realFetch(input, init);
};
const offer = await getCredentialOffer({url: offerUri});
const client = await OID4Client.fromCredentialOffer({offer});
const didProofSigner = {
  id: holder.kid, algorithm: 'Ed25519', sign: async ({data}) => holder.sign(Buffer.from(data))
};
const result = await client.requestCredential({did: holder.did, didProofSigner});

const replays = {};
try {
  await getCredentialOffer({url: offerUri});
  replays.offer = null;
} catch(error) {
  replays.offer = describe(error);
}
process.stdout.write(JSON.stringify({
  did: holder.did, credential: result.credential ?? result.credentials?.[0], requests, replays,
  keys: Object.keys(result)}));
