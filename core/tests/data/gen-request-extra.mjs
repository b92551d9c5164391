// gen-request-extra.mjs — more authenticateRequest cases for Clerk's oracle:
// the corners of the request logic that cases.jsonl does not reach
// (development handshakes, the sync-back redirect, redirect counting,
// percent-encoded cookies, URL re-serialization, forwarded headers, ...).
//
// Run from the oracle's directory (it imports the oracle's mint.mjs and
// uses its keys/, the same test keys as keys/ here):
//
//   cp gen-request-extra.mjs <oracle dir>/ && cd <oracle dir>
//   node gen-request-extra.mjs > request-extra-cases.jsonl
//   node oracle.mjs < request-extra-cases.jsonl > request-extra-expected.jsonl
//
// Both outputs are copied next to this file; conformance_request.rs runs
// them together with cases.jsonl.

import crypto from 'node:crypto';
import { loadKey, mint } from './mint.mjs';

const NOW = 1767225600000; // 2026-01-01T00:00:00.000Z
const S = NOW / 1000;
const PEM = loadKey('main').publicPem;

const PROD_FAPI = 'clerk.example.com';
const DEV_FAPI = 'fluent-oyster-12.clerk.accounts.dev';
const pk = (prefix, host) => `${prefix}${Buffer.from(`${host}$`).toString('base64').replace(/=+$/, '')}`;
const PK_LIVE = pk('pk_live_', PROD_FAPI);
const PK_TEST = pk('pk_test_', DEV_FAPI);
const SK_LIVE = 'sk_live_oracleDummySecretKey0000000000000000';
const SK_TEST = 'sk_test_oracleDummySecretKey0000000000000000';
const AZP = 'https://app.example.com';
const suffix = (p) => crypto.createHash('sha1').update(p).digest('base64').replace(/\+/g, '-').replace(/\//g, '_').slice(0, 8);
const SUF_LIVE = suffix(PK_LIVE);
const SUF_TEST = suffix(PK_TEST);

const HEADER = { alg: 'RS256', cat: 'cl_B7d4PD111AAA', kid: 'ins_2vYVtestINSTANCE', typ: 'JWT' };
const V2 = {
  azp: AZP,
  exp: S + 60,
  fea: 'o:articles,o:teams,u:premium',
  fva: [3, -1],
  iat: S - 5,
  iss: `https://${PROD_FAPI}`,
  jti: '4f1b0c3a9e2d7c6b5a40',
  nbf: S - 15,
  o: { fpm: '3,1', id: 'org_2vYVtestORG', per: 'read,manage', rol: 'admin', slg: 'acme' },
  pla: 'u:free_user,o:pro',
  sid: 'sess_2vYVtestSESSION',
  sts: 'active',
  sub: 'user_2vYVtestUSER',
  v: 2,
};
const V2_DEV = { ...V2, iss: `https://${DEV_FAPI}` };
const expired = (p) => ({ ...p, exp: S - 3600, iat: S - 3700, nbf: S - 3710 });
const tok = (payload, header = HEADER, extra = {}) => mint({ header, payload, ...extra });
const handshakeTok = (directives, extra = {}) => mint({ header: { alg: 'RS256', typ: 'JWT' }, payload: { handshake: directives }, ...extra });

const PROD = { jwtKey: PEM, secretKey: SK_LIVE, publishableKey: PK_LIVE, authorizedParties: [AZP], nowMs: NOW };
const DEV = { jwtKey: PEM, secretKey: SK_TEST, publishableKey: PK_TEST, authorizedParties: [AZP], nowMs: NOW };
const API = { accept: 'application/json' };
const DOC = { accept: 'text/html,application/xhtml+xml', 'sec-fetch-dest': 'document' };
const URL_API = 'https://app.example.com/api/data';
const URL_PAGE = 'https://app.example.com/dashboard';

const out = [];
const ids = new Set();
function ar(id, base, fields) {
  if (ids.has(id)) throw new Error(`duplicate ${id}`);
  ids.add(id);
  out.push({ id: `ar-extra/${id}`, kind: 'authenticateRequest', url: URL_API, method: 'GET', ...base, ...fields });
}
const cookie = (pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('; ');

const VALID = tok(V2);
const VALID_DEV = tok(V2_DEV);
const EXPIRED = tok(expired(V2));
const EXPIRED_DEV = tok(expired(V2_DEV));

// -- handshake location: forwarded headers, path and query re-serialization
ar('dev-expired-forwarded-odd-url', DEV, {
  url: 'http://internal:3000/a b/%C3%A9/é?x=%7e&y&z=a+b&__dev_session=1&w=%zz',
  headers: {
    ...DOC,
    'x-forwarded-host': 'Public.Example.org:443, proxy.internal',
    'x-forwarded-proto': 'https,http',
    cookie: cookie([['__session', EXPIRED_DEV], ['__client_uat', `${S - 4000}`], ['__clerk_db_jwt', 'dvb_x%2By']]),
  },
});
ar('prod-expired-forwarded-port', PROD, {
  url: 'http://internal:3000/p?__clerk_db_jwt=q&keep=1',
  headers: { ...DOC, 'x-forwarded-host': 'public.example.org:8443', cookie: cookie([['__session', EXPIRED], ['__client_uat', `${S - 4000}`]]) },
});
ar('prod-expired-forwarded-host-only', PROD, {
  url: 'http://internal:3000/only-host',
  headers: { ...DOC, 'x-forwarded-host': 'public.example.org', cookie: cookie([['__session', EXPIRED], ['__client_uat', `${S - 4000}`]]) },
});
ar('prod-expired-bad-forwarded-host', PROD, {
  url: 'https://app.example.com/fallback',
  headers: { ...DOC, 'x-forwarded-host': 'bad host', cookie: cookie([['__session', EXPIRED], ['__client_uat', `${S - 4000}`]]) },
});
ar('prod-expired-emoji-path', PROD, {
  url: 'https://app.example.com/😀?q=😀',
  headers: { ...DOC, cookie: cookie([['__session', EXPIRED], ['__client_uat', `${S - 4000}`]]) },
});
ar('header-expired-with-cookie-session', PROD, {
  url: URL_PAGE,
  headers: { ...DOC, authorization: `Bearer ${EXPIRED}`, cookie: cookie([['__session', 'cookie.tok.en']]) },
});
ar('dev-header-expired-devbrowser', DEV, {
  url: URL_PAGE,
  headers: { ...DOC, authorization: `Bearer ${EXPIRED_DEV}`, cookie: cookie([['__clerk_db_jwt', 'dvb_1']]) },
});
ar('iframe-eligible', PROD, { url: URL_PAGE, headers: { 'sec-fetch-dest': 'iframe', cookie: cookie([['__client_uat', `${S - 100}`]]) } });
ar('accept-html-no-fetch-dest', PROD, { url: URL_PAGE, headers: { accept: 'text/html', cookie: cookie([['__client_uat', `${S - 100}`]]) } });
ar('fetch-dest-empty-not-eligible', PROD, { url: URL_PAGE, headers: { accept: 'text/html', 'sec-fetch-dest': 'empty', cookie: cookie([['__client_uat', `${S - 100}`]]) } });
ar('head-not-eligible', PROD, { url: URL_PAGE, method: 'HEAD', headers: { ...DOC, cookie: cookie([['__client_uat', `${S - 100}`]]) } });

// -- redirect counting
for (const [name, value] of [['2', '2'], ['3', '3'], ['3.0', '3.0'], ['hex-3', '0x3'], ['4', '4'], ['1.5', '1.5'], ['junk', 'abc']]) {
  ar(`redirect-count-${name}`, PROD, { url: URL_PAGE, headers: { ...DOC, cookie: cookie([['__client_uat', `${S - 100}`], ['__clerk_redirect_count', value]]) } });
}

// -- cookies
ar('cookie-percent-encoded-session', PROD, { headers: { ...API, cookie: cookie([['__session', VALID.replace(/\./g, '%2E')], ['__client_uat', `${S - 100}`]]) } });
ar('cookie-bad-percent-session', PROD, { headers: { ...API, cookie: cookie([['__session', '%zz'], ['__client_uat', `${S - 100}`]]) } });
ar('cookie-empty-session-then-valid', PROD, { headers: { ...API, cookie: cookie([['__session', ''], ['__session', VALID], ['__client_uat', `${S - 100}`]]) } });
ar('cookie-client-uat-hex', PROD, { headers: { ...API, cookie: cookie([['__session', VALID], ['__client_uat', '0x10']]) } });
ar('cookie-client-uat-huge', PROD, { headers: { ...API, cookie: cookie([['__session', VALID], ['__client_uat', '99999999999999999999']]) } });
ar('cookie-iat-string', PROD, { headers: { ...API, cookie: cookie([['__session', tok({ ...V2, iat: `${S - 5}` })], ['__client_uat', `${S - 100}`]]) } });
ar('cookie-iat-null', PROD, { headers: { ...API, cookie: cookie([['__session', tok({ ...V2, iat: null })], ['__client_uat', `${S - 100}`]]) } });
ar('cookie-expired-post', PROD, { method: 'POST', headers: { ...API, cookie: cookie([['__session', EXPIRED], ['__client_uat', `${S - 4000}`]]) } });
ar('cookie-fea-trailing-comma', PROD, { headers: { ...API, cookie: cookie([['__session', tok({ ...V2, fea: 'o:a,' })], ['__client_uat', `${S - 100}`]]) } });
ar('cookie-pending', PROD, { headers: { ...API, cookie: cookie([['__session', tok({ ...V2, sts: 'pending' })], ['__client_uat', `${S - 100}`]]) } });
ar('cookie-null-header', PROD, { headers: { ...API, cookie: cookie([['__session', tok(V2, null)], ['__client_uat', `${S - 100}`]]) } });
ar('cookie-cat-null', PROD, { headers: { ...API, cookie: cookie([['__session', tok(V2, { ...HEADER, cat: null })], ['__client_uat', `${S - 100}`]]) } });
ar('cookie-ignore-category', PROD, { headers: { ...API, cookie: cookie([['__session', tok(V2, { ...HEADER, cat: 'cl_I7d4PD111III' })], ['__client_uat', `${S - 100}`]]) } });
ar('cookie-foreign-unsuffixed-valid-suffixed', PROD, {
  headers: { ...API, cookie: cookie([['__session', tok({ ...V2, iss: 'https://clerk.other.com' })], [`__session_${SUF_LIVE}`, VALID], [`__client_uat_${SUF_LIVE}`, `${S - 100}`]]) },
});
ar('dev-suffixed-uat-zero', DEV, {
  headers: { ...API, cookie: cookie([['__session', VALID_DEV], ['__client_uat', `${S - 100}`], [`__session_${SUF_TEST}`, tok({ ...V2_DEV, sub: 'user_SUFFIXED' })], [`__client_uat_${SUF_TEST}`, '0'], ['__clerk_db_jwt', 'dvb_1']]) },
});
ar('dev-suffixed-expired-unsuffixed-uat-zero', DEV, {
  headers: { ...API, cookie: cookie([['__session', VALID_DEV], ['__client_uat', '0'], [`__session_${SUF_TEST}`, EXPIRED_DEV], [`__client_uat_${SUF_TEST}`, `${S - 4000}`], ['__clerk_db_jwt', 'dvb_1']]) },
});
ar('dev-suffixed-devbrowser', DEV, {
  headers: { ...API, cookie: cookie([[`__session_${SUF_TEST}`, VALID_DEV], [`__client_uat_${SUF_TEST}`, `${S - 100}`], [`__clerk_db_jwt_${SUF_TEST}`, 'dvb_sfx']]) },
});
ar('dev-suffixed-expired-document-location', DEV, {
  url: URL_PAGE,
  headers: { ...DOC, cookie: cookie([[`__session_${SUF_TEST}`, EXPIRED_DEV], [`__client_uat_${SUF_TEST}`, `${S - 4000}`], [`__clerk_db_jwt_${SUF_TEST}`, 'dvb_sfx']]) },
});
ar('refresh-cookie-post', PROD, { method: 'POST', headers: { ...API, cookie: cookie([['__session', EXPIRED], ['__client_uat', `${S - 4000}`], [`__refresh_${SUF_LIVE}`, 'rt']]) } });
ar('refresh-cookie-unsuffixed-ignored', PROD, { headers: { ...API, cookie: cookie([['__session', EXPIRED], ['__client_uat', `${S - 4000}`], ['__refresh', 'rt']]) } });

// -- cross-origin referer
for (const [name, referer] of [
  ['accounts-portal', 'https://accounts.example.com/sign-in'],
  ['fapi-port', 'https://clerk.example.com:8443/x'],
  ['invalid', 'not a url'],
  ['opaque', 'android-app://com.example/'],
  ['same-origin-upper', 'HTTPS://APP.EXAMPLE.COM/x'],
  ['http-same-host', 'http://app.example.com/x'],
]) {
  ar(`referer-${name}`, PROD, { url: URL_PAGE, headers: { ...DOC, referer, cookie: cookie([['__session', VALID], ['__client_uat', `${S - 100}`]]) } });
}
ar('referer-cross-origin-after-redirect', PROD, { url: URL_PAGE, headers: { ...DOC, referer: 'https://other.example.net/', cookie: cookie([['__session', VALID], ['__client_uat', `${S - 100}`], ['__clerk_redirect_count', '1']]) } });
ar('referer-cross-origin-dev-portal', DEV, { url: URL_PAGE, headers: { ...DOC, referer: 'https://fluent-oyster-12.accounts.dev/sign-in', cookie: cookie([['__session', VALID_DEV], ['__client_uat', `${S - 100}`], ['__clerk_db_jwt', 'dvb_1']]) } });
ar('referer-cross-origin-dev', DEV, { url: URL_PAGE, headers: { ...DOC, referer: 'https://other.example.net/', cookie: cookie([['__session', VALID_DEV], ['__client_uat', `${S - 100}`], ['__clerk_db_jwt', 'dvb_1']]) } });

// -- development: sync-back, dev-browser sync
ar('dev-sync-back', DEV, {
  url: `https://app.example.com/?__clerk_redirect_url=${encodeURIComponent('https://sat.example.net/cb?__clerk_synced=false&a=1&__clerk_synced=x#frag')}`,
  headers: { ...DOC, cookie: cookie([['__clerk_db_jwt', 'dvb_1']]) },
});
ar('dev-sync-back-plain', DEV, {
  url: `https://app.example.com/?__clerk_redirect_url=${encodeURIComponent('https://sat.example.net')}`,
  headers: { ...DOC },
});
ar('dev-sync-back-api', DEV, {
  url: `https://app.example.com/?__clerk_redirect_url=${encodeURIComponent('https://sat.example.net/cb')}`,
  headers: { ...API },
});
ar('dev-devbrowser-empty-query', DEV, { url: 'https://app.example.com/dashboard?__clerk_db_jwt=', headers: { ...DOC, cookie: cookie([['__clerk_db_jwt', 'dvb_1']]) } });

// -- handshake tokens
const HS_DEV_OK = handshakeTok([`__session=${VALID_DEV}; Path=/`, `__client_uat=${S - 5}; Path=/`]);
ar('hs-dev-ok-strips-params', DEV, { url: `https://app.example.com/dashboard?a=1&__clerk_handshake=${HS_DEV_OK}&__clerk_help=1&__clerk_db_jwt=x&b=%7e`, headers: { ...DOC } });
ar('hs-dev-expired-session-retried', DEV, { url: `https://app.example.com/dashboard?__clerk_handshake=${handshakeTok([`__session=${EXPIRED_DEV}; Path=/`])}`, headers: { ...DOC } });
ar('hs-prod-expired-session-falls-back', PROD, { url: `https://app.example.com/dashboard?__clerk_handshake=${handshakeTok([`__session=${EXPIRED}; Path=/`])}`, headers: { ...DOC } });
ar('hs-prod-no-session-directive', PROD, { url: `https://app.example.com/dashboard?__clerk_handshake=${handshakeTok([`__client_uat=0; Path=/`])}`, headers: { ...DOC } });
ar('hs-prod-empty-list', PROD, { url: `https://app.example.com/dashboard?__clerk_handshake=${handshakeTok([])}`, headers: { ...DOC } });
ar('hs-prod-last-session-wins', PROD, { url: `https://app.example.com/dashboard?__clerk_handshake=${handshakeTok([`__session=garbage; Path=/`, `__session_${SUF_LIVE}=${VALID}; Path=/`])}`, headers: { ...DOC } });
ar('hs-prod-in-cookie', PROD, { url: URL_PAGE, headers: { ...DOC, cookie: cookie([['__clerk_handshake', handshakeTok([`__session=${VALID}; Path=/`])]]) } });
ar('hs-prod-non-string-directive', PROD, { url: URL_PAGE, headers: { ...DOC, cookie: cookie([['__clerk_handshake', mint({ header: { alg: 'RS256', typ: 'JWT' }, payload: { handshake: [5] } })], ['__session', VALID], ['__client_uat', `${S - 100}`]]) } });
ar('hs-prod-m2m-category', PROD, { url: URL_PAGE, headers: { ...DOC, cookie: cookie([['__clerk_handshake', mint({ header: { alg: 'RS256', typ: 'JWT', cat: 'cl_B7d4PD333AAA' }, payload: { handshake: [`__session=${VALID}`] } })]]) } });
ar('hs-dev-nonce', DEV, { url: 'https://app.example.com/dashboard?__clerk_handshake_nonce=n1&x=1', headers: { ...DOC } });
ar('hs-dev-bad-signature', DEV, { url: `https://app.example.com/dashboard?__clerk_handshake=${handshakeTok([`__session=${VALID_DEV}`], { keyName: 'other' })}`, headers: { ...DOC } });

// -- auth object mapping
ar('v2-rol-number', PROD, { headers: { ...API, authorization: `Bearer ${tok({ ...V2, o: { ...V2.o, rol: 5 } })}` } });
ar('v2-o-string', PROD, { headers: { ...API, authorization: `Bearer ${tok({ ...V2, o: 'x' })}` } });
ar('v2-no-per', PROD, { headers: { ...API, authorization: `Bearer ${tok({ ...V2, o: { id: 'org_1', rol: 'admin', fpm: '3' } })}` } });
ar('v2-fpm-big', PROD, { headers: { ...API, authorization: `Bearer ${tok({ ...V2, fea: 'o:f', o: { ...V2.o, per: Array.from({ length: 70 }, (_, i) => `p${i}`).join(','), fpm: '590295810358705651713' } })}` } });
ar('v1-permissions-string', PROD, { headers: { ...API, authorization: `Bearer ${tok({ azp: AZP, sub: 'user_1', exp: S + 60, org_id: 'org_1', org_permissions: 'x' })}` } });
ar('fva-null-act-null', PROD, { headers: { ...API, authorization: `Bearer ${tok({ ...V2, fva: null, act: null, sts: null })}` } });

for (const c of out) process.stdout.write(JSON.stringify(c) + '\n');
