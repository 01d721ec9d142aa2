#!/usr/bin/env node
// A wallet built on @openid4vc/openid4vci 0.4.6 (the engine of Credo's OpenID4VC module):
// offer by reference -> issuer and AS metadata -> token -> nonce -> jwt proof -> credential
// (no nonce and no proof when the offered configuration names no proof_types_supported).
// Request (stdin): {"offerUri": "openid-credential-offer://?credential_offer_uri=..."}
// Result (stdout): {"did", "credential", "requests": [...the credential request body],
//   "replays": {"offer": "<error>", "code": "<error>"}} — each replay must be refused.
// Trusts the test's throw-away CA through NODE_EXTRA_CA_CERTS (https only, as wallets are).
import {createHash, randomBytes} from 'node:crypto';
import {Openid4vciClient} from '@openid4vc/openid4vci';
import {clientAuthenticationAnonymous} from '@openid4vc/oauth2';
import {describe, holderKey, readRequest} from './wallet-key.mjs';

const {offerUri} = await readRequest();
const holder = holderKey();
const requests = [];
const b64url = value => Buffer.from(value).toString('base64url');
const callbacks = {
  fetch: async (input, init) => {
    if(init?.body && String(input).endsWith('/credential')) {
      requests.push(JSON.parse(init.body));
    }
    return fetch(input, init);
  },
  hash: (data, alg) => new Uint8Array(createHash(alg.replace('-', '')).update(data).digest()),
  generateRandom: length => new Uint8Array(randomBytes(length)),
  clientAuthentication: clientAuthenticationAnonymous(),
  signJwt: async (signer, {header, payload}) => {
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    return {jwt: `${input}.${b64url(holder.sign(Buffer.from(input)))}`};
  }
};
const client = new Openid4vciClient({callbacks});
const offer = await client.resolveCredentialOffer(offerUri);
const issuerMetadata = await client.resolveIssuerMetadata(offer.credential_issuer);
const [configurationId] = offer.credential_configuration_ids;
const {accessTokenResponse} = await client.retrievePreAuthorizedCodeAccessTokenFromOffer(
  {credentialOffer: offer, issuerMetadata});
// a configuration with proof_types_supported binds the credential to a key the wallet proves;
// one without (an endorsement: its subject is what it endorses) is asked for with no proof
const configuration = issuerMetadata.credentialIssuer.credential_configurations_supported[configurationId];
let proofs;
if(configuration.proof_types_supported) {
  const {c_nonce: nonce} = await client.requestNonce({issuerMetadata});
  const {jwt} = await client.createCredentialRequestJwtProof({
    issuerMetadata, credentialConfigurationId: configurationId, nonce,
    signer: {method: 'did', didUrl: holder.kid, alg: 'EdDSA'}});
  proofs = {jwt: [jwt]};
}
const {credentialResponse} = await client.retrieveCredentials({
  issuerMetadata, accessToken: accessTokenResponse.access_token,
  credentialConfigurationId: configurationId, proofs});

const replays = {};
try {
  await client.resolveCredentialOffer(offerUri);
  replays.offer = null;
} catch(error) {
  replays.offer = describe(error);
}
try {
  await client.retrievePreAuthorizedCodeAccessTokenFromOffer({credentialOffer: offer, issuerMetadata});
  replays.code = null;
} catch(error) {
  replays.code = describe(error);
}
process.stdout.write(JSON.stringify({
  did: holder.did, credential: credentialResponse.credentials[0].credential, requests, replays,
  version: issuerMetadata.originalDraftVersion}));
