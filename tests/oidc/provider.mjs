// A real OpenID provider on loopback for the single sign-on tests (tests/org/test_oidc.py):
// panva's oidc-provider with one confidential client, a few test accounts and a minimal
// sign-in page of our own (no consent page: the channel is the organisation's own client).
//
//   node provider.mjs PORT REDIRECT_URI CLIENT_ID CLIENT_SECRET
//
// The issuer is http://127.0.0.1:PORT. The signing key is made afresh at each start, so
// nothing secret is kept in the repository. Never use this outside the tests.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { argv, exit, stderr, stdout } from 'node:process';

import Provider from 'oidc-provider';

const [port, redirectUri, clientId, clientSecret] = argv.slice(2);
if (!port || !redirectUri || !clientId || !clientSecret) {
  stderr.write('usage: node provider.mjs PORT REDIRECT_URI CLIENT_ID CLIENT_SECRET\n');
  exit(2);
}

const PASSWORD = 'provider-password-1';

// Each account's claims as the organisation's directory would release them. `sub` is the
// stable, never reassigned identifier; mira-new has the address mira had before (an e-mail
// address can move to someone else, a `sub` does not).
const ACCOUNTS = {
  mira: {
    sub: '9f1c2d4e-mira',
    email: 'mira@example.org',
    email_verified: true,
    name: 'Mira Santoso',
    preferred_username: 'mira',
    dissent_unit: 'pol',
    groups: ['staff'],
  },
  'mira-new': {
    sub: '5b7e0a13-mira-new',
    email: 'mira@example.org',
    email_verified: true,
    name: 'Mira Halim',
    preferred_username: 'mira',
    dissent_unit: 'econ',
    groups: ['staff'],
  },
  cato: {
    sub: '2a8d6f90-cato',
    email: 'cato@example.org',
    email_verified: true,
    given_name: 'Cato',
    family_name: 'Brandt',
    preferred_username: 'cato',
    dissent_unit: 'channel',
    groups: ['staff', 'dissent-auditors', 'dissent-custodians'],
  },
  ada: {
    sub: '7c3b1e55-ada',
    email: 'ada@example.org',
    email_verified: true,
    name: 'Ada Okoro',
    preferred_username: 'ada',
    dissent_unit: 'no-such-unit',
    groups: ['dissent-admins', 'admin', 'dissent-principals'],
  },
  ivo: {
    sub: 'e4d2c1b0-ivo',
    email: 'ivo@example.org',
    email_verified: false,
    name: 'Ivo Petrov',
    preferred_username: 'ivo',
    groups: [],
  },
};

const bySub = new Map(Object.values(ACCOUNTS).map((claims) => [claims.sub, claims]));

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-signing-key', alg: 'RS256', use: 'sig' };

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username', 'dissent_unit', 'groups'],
  },
  features: { devInteractions: { enabled: false } },
  pkce: { required: () => true },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, sub) {
    const claims = bySub.get(sub);
    if (!claims) return undefined;
    return { accountId: sub, async claims() { return { ...claims }; } };
  },
  ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 600, Grant: 600 },
  renderError(ctx, out) {
    ctx.type = 'text/plain';
    ctx.body = Object.entries(out).map(([key, value]) => `${key}: ${value}`).join('\n');
  },
});

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function signInPage(uid, message) {
  return `<!doctype html><html><head><title>Sign in</title></head><body>
<h1>Sign in to the test provider</h1>${message ? `<p role="alert">${escape(message)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<input name="login" autocomplete="username"><input name="password" type="password">
<button type="submit">Sign in</button></form></body></html>`;
}

async function formBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

// The interaction pages: the sign-in form, and consent given at once for our one client.
provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([\w-]+)(\/login)?$/);
  if (!match) return next();
  const [, uid, login] = match;
  ctx.set('Cache-Control', 'no-store');
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (details.uid !== uid) ctx.throw(400, 'interaction mismatch');
  const { prompt, params, session } = details;

  if (ctx.method === 'GET' && prompt.name === 'login') {
    ctx.type = 'html';
    ctx.body = signInPage(uid);
    return undefined;
  }
  if (ctx.method === 'POST' && login && prompt.name === 'login') {
    const form = await formBody(ctx.req);
    const account = ACCOUNTS[form.get('login')];
    if (!account || form.get('password') !== PASSWORD) {
      ctx.status = 401;
      ctx.type = 'html';
      ctx.body = signInPage(uid, 'Wrong account name or password.');
      return undefined;
    }
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, { login: { accountId: account.sub } });
    ctx.status = 303;
    return ctx.redirect(returnTo);
  }
  if (ctx.method === 'GET' && prompt.name === 'consent') {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    const grantId = await grant.save();
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, { consent: { grantId } });
    ctx.status = 303;
    return ctx.redirect(returnTo);
  }
  return ctx.throw(400, `unexpected ${ctx.method} for prompt ${prompt.name}`);
});

provider.listen(Number(port), '127.0.0.1', () => {
  stdout.write(`test OpenID provider listening on http://127.0.0.1:${port}\n`);
});
