#!/usr/bin/env node
// A wallet built on @openid4vc/openid4vci 0.4.6 (the engine of Credo's OpenID4VC module):
// offer by reference -> issuer and AS metadata -> token -> nonce -> jwt proof -> credential
// (no nonce and no proof when the offered configuration names no proof_types_supported).
// Request (stdin): {"offerUri": "openid-credential-offer://?credential_offer_uri=...",
//   "nonceReplayOfferUri": optional, a second offer}
// Result (stdout): {"did", "credential", "requests": [...the credential request body],
//   "replays": {"offer": "<error>", "code": "<error>"}} — each replay must be refused.
// With nonceReplayOfferUri the wallet then takes the second offer to a token and asks for its
// credential with a proof over the c_nonce it already spent: "nonceReplay" reports the spent
// nonce, the HTTP status and OAuth error body of the refusal, and the credential got by asking
// again with the c_nonce that body carries (null if there was none).
// Trusts the test's throw-away CA through NODE_EXTRA_CA_CERTS (https only, as wallets are).
import {createHash, randomBytes} from 'node:crypto';
import {Openid4vciClient} from '@openid4vc/openid4vci';
import {clientAuthenticationAnonymous} from '@openid4vc/oauth2';
import {describe, holderKey, readRequest} from './wallet-key.mjs';

const {offerUri, nonceReplayOfferUri} = await readRequest();
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
let nonce = null;
if(configuration.proof_types_supported) {
  ({c_nonce: nonce} = await client.requestNonce({issuerMetadata}));
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
const proofOver = async c_nonce => (await client.createCredentialRequestJwtProof({
  issuerMetadata, credentialConfigurationId: configurationId, nonce: c_nonce,
  signer: {method: 'did', didUrl: holder.kid, alg: 'EdDSA'}})).jwt;
let nonceReplay = null;
if(nonceReplayOfferUri) {
  const second = await client.resolveCredentialOffer(nonceReplayOfferUri);
  const {accessTokenResponse: secondToken} = await client.retrievePreAuthorizedCodeAccessTokenFromOffer(
    {credentialOffer: second, issuerMetadata});
  const ask = async jwt => client.retrieveCredentials({
    issuerMetadata, accessToken: secondToken.access_token,
    credentialConfigurationId: configurationId, proofs: {jwt: [jwt]}});
  nonceReplay = {spent: nonce, status: null, body: null, error: null, retried: null};
  try {
    await ask(await proofOver(nonce));
  } catch(error) {
    nonceReplay.status = error.response?.response?.status ?? null;
    nonceReplay.body = error.response?.credentialErrorResponseResult?.data ?? null;
    nonceReplay.error = describe(error);
  }
  if(nonceReplay.body?.c_nonce) {
    const {credentialResponse: again} = await ask(await proofOver(nonceReplay.body.c_nonce));
    nonceReplay.retried = again.credentials[0].credential;
  }
}
process.stdout.write(JSON.stringify({
  did: holder.did, credential: credentialResponse.credentials[0].credential, requests, replays,
  version: issuerMetadata.originalDraftVersion, nonceReplay}));
