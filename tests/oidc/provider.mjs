// A real OpenID Connect provider for the integration tests: oidc-provider 9.13.3 (npm),
// installed outside the tree by .ci/run into ~/.cache/yinxin-ci-oidc.
//
// Start: `node tests/oidc/provider.mjs` with stdin open (the helper in tests/common/oidc.rs
// gives it a pipe). The first and only line on stdout is `listening on http://127.0.0.1:<port>`
// (the issuer, an ephemeral port). It runs until killed or until stdin closes.
//
// Environment:
//   YINXIN_OIDC_MODULES  node_modules directory holding oidc-provider
//                        (default $HOME/.cache/yinxin-ci-oidc/node_modules)
//   OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI   the one client (confidential,
//                        client_secret_post, authorization_code + response_type code, the
//                        redirect URI compared exactly, PKCE S256 required)
//   OIDC_ACCOUNTS        {"<login>": {"name": "...", "id_number": "..."}}; a login missing
//                        from the map still signs in, with no claim but `sub`
//   OIDC_ALG             ES256 (default, a P-256 key made at start) or RS256 (RSA 2048)
//   OIDC_DEBUG=1         log the provider's notices and request errors to stderr
//   OIDC_TLS_CERT, OIDC_TLS_KEY   PEM files: serve https (the issuer is https://127.0.0.1:<port>)
//
// Scopes: `openid` (claim sub) and `identity` (claims name, id_number). The scope claims are
// put in the ID token itself (conformIdTokenClaims: false), not only in userinfo.
//
// The login, with the built-in development interactions (devInteractions):
//   1. GET /auth?... redirects (303) to /interaction/<uid>, setting the `_interaction` cookie
//      (Path=/interaction/<uid>) and `_interaction_resume` (Path=/auth/<uid>), each with a
//      `.sig` companion (the cookies are signed).
//   2. GET /interaction/<uid> is the login page, one form:
//        <form action="http://127.0.0.1:<port>/interaction/<uid>" method="post">
//          hidden prompt=login, text `login` (any name), password `password` (anything)
//   3. Its POST redirects (303) to /auth/<uid>, which sets the `_session` cookie (Path=/) and
//      redirects to /interaction/<uid2> (a new uid), the consent page, one form:
//        <form action="http://127.0.0.1:<port>/interaction/<uid2>" method="post">
//          hidden prompt=consent (a button "Continue", no other field)
//      The consent grants every scope and claim that was asked for.
//   4. Its POST redirects to /auth/<uid2>, which redirects (303) to the redirect URI with
//      `code`, `state` and `iss`.
// Both pages also have a "[ Cancel ]" link (/interaction/<uid>/abort) and a debug section.
// Cookies are neither Secure nor set over https (koa's ctx.secure is false on plain http).
//
// Notes: the same cookies again skip the login form (the `_session` cookie), and consent too
// while the grant stands (a code used twice revokes it, and consent is asked again). `nonce`
// is optional and copied into the ID token when given. The ID token (from the token endpoint)
// holds sub, name, id_number (for the scope identity), nonce, aud, iss, iat, exp (one hour):
// no auth_time, sid or at_hash. A wrong code_verifier is refused without spending the code.
// oidc-provider 9 warns "Unsupported runtime" on Node 20 (shown with OIDC_DEBUG=1) but works.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const debug = process.env.OIDC_DEBUG === '1';
// oidc-provider writes its notices with console.info (stdout) and console.warn: stdout must
// stay the one "listening on" line, and the development-only warnings are noise in tests.
console.info = (...a) => { if (debug) console.error(...a); };
console.warn = (...a) => { if (debug) console.error(...a); };

const modules = process.env.YINXIN_OIDC_MODULES
  || join(process.env.HOME || '/tmp', '.cache/yinxin-ci-oidc/node_modules');
const { default: Provider } = await import(
  pathToFileURL(join(modules, 'oidc-provider/lib/index.js')).href
);

function env(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`provider.mjs: ${name} is not set`);
    process.exit(2);
  }
  return v;
}

const alg = process.env.OIDC_ALG || 'ES256';
const { privateKey } = alg === 'RS256'
  ? generateKeyPairSync('rsa', { modulusLength: 2048 })
  : generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-1', alg, use: 'sig' };

const accounts = JSON.parse(process.env.OIDC_ACCOUNTS || '{}');

const configuration = {
  clients: [{
    client_id: env('OIDC_CLIENT_ID'),
    client_secret: env('OIDC_CLIENT_SECRET'),
    redirect_uris: [env('OIDC_REDIRECT_URI')],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: alg,
  }],
  jwks: { keys: [jwk] },
  pkce: { required: () => true },
  scopes: ['openid', 'identity'],
  claims: { openid: ['sub'], identity: ['name', 'id_number'] },
  conformIdTokenClaims: false,
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    const known = Object.hasOwn(accounts, id) ? accounts[id] : {};
    return {
      accountId: id,
      async claims() {
        return { sub: id, ...known };
      },
    };
  },
};

// OIDC_TLS_CERT and OIDC_TLS_KEY (PEM files): serve over https instead.
const tls = process.env.OIDC_TLS_CERT && process.env.OIDC_TLS_KEY;
const server = tls
  ? createTlsServer({ cert: readFileSync(process.env.OIDC_TLS_CERT), key: readFileSync(process.env.OIDC_TLS_KEY) })
  : createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `${tls ? 'https' : 'http'}://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration);
  provider.on('server_error', (ctx, err) => console.error('provider server_error:', err));
  if (debug) {
    for (const ev of ['authorization.error', 'grant.error', 'backchannel.error']) {
      provider.on(ev, (ctx, err) => console.error(`provider ${ev}:`, err));
    }
  }
  server.on('request', provider.callback());
  process.stdout.write(`listening on ${issuer}\n`);
});

// Exit with the test that started us: its end closes our stdin.
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
