#!/usr/bin/env bash
# Seeds the fuzz corpora (corpus/<target>/) from the conformance cases
# (core/tests/data/cases.jsonl and request-extra-cases.jsonl: tokens,
# jwtKeys, request headers) and the core's test keys. Idempotent: files are
# named by the SHA-1 of their content, as libFuzzer names its own.
# The structured targets (verify_structured, rsa_diff, request) take
# `arbitrary` input and start from nothing.
set -euo pipefail
cd "$(dirname "$0")"
command -v python3 >/dev/null || { echo "seed.sh: python3 not found, corpora left unseeded" >&2; exit 0; }
exec python3 - "$@" <<'PY'
import base64, hashlib, json, os, struct, sys

DATA = "../core/tests/data"
corpus = {}

def add(target, content):
    if isinstance(content, str):
        content = content.encode("utf-8", "surrogatepass")
    corpus.setdefault(target, set()).add(content)

def b64url(segment):
    s = segment.rstrip("=")
    try:
        return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
    except Exception:
        return None

def token(t):
    if not isinstance(t, str):
        return
    add("verify_token", t)
    for segment in t.split(".")[:3]:
        add("base64url", b"\x00" + segment.encode("utf-8", "surrogatepass"))
    for segment in t.split(".")[:2]:
        raw = b64url(segment)
        if raw is not None:
            add("json", raw)

def cookies(value):
    for part in value.split(";"):
        name, _, v = part.strip().partition("=")
        if name.startswith(("__session", "__clerk_handshake", "__clerk_db_jwt")):
            token(v)

def key(text):
    if not isinstance(text, str) or not text:
        return
    add("key_parse", text)
    if text.lstrip().startswith("{"):
        add("json", text)

def headers_of(case):
    h = case.get("headers") or {}
    return list(h.items()) if isinstance(h, dict) else [tuple(p) for p in h]

def request(case):
    url = case.get("url", "https://app.example.com/")
    rest = url.split("://", 1)[-1]
    host, slash, path = rest.partition("/")
    head = f"{case.get('method', 'GET')} /{path} HTTP/1.1\r\nHost: {host}\r\n"
    for name, value in headers_of(case):
        head += f"{name}: {value}\r\n"
        if name.lower() == "authorization":
            token(value.split(" ", 1)[-1])
        if name.lower() == "cookie":
            cookies(value)
    # capacity 8192, body limit 256 (little-endian u16 each), then the head
    add("gateway_http", struct.pack("<HH", 8192, 256) + (head + "\r\n").encode("utf-8", "surrogatepass"))

for name in ("cases.jsonl", "request-extra-cases.jsonl"):
    path = os.path.join(DATA, name)
    if not os.path.exists(path):
        continue
    for line in open(path, encoding="utf-8"):
        case = json.loads(line)
        token(case.get("token"))
        key(case.get("jwtKey"))
        if case.get("kind") == "authenticateRequest":
            request(case)

for name in sorted(os.listdir(os.path.join(DATA, "keys"))):
    if name.endswith(".pem"):
        text = open(os.path.join(DATA, "keys", name), encoding="utf-8").read()
        key(text)
        body = "".join(l for l in text.splitlines() if l and not l.startswith("-----"))
        try:
            add("key_parse", base64.b64decode(body))
        except Exception:
            pass
for name in ("fuzz.public.pem",):
    key(open(os.path.join("keys", name), encoding="utf-8").read())

for target, items in sorted(corpus.items()):
    d = os.path.join("corpus", target)
    os.makedirs(d, exist_ok=True)
    for content in items:
        with open(os.path.join(d, hashlib.sha1(content).hexdigest()), "wb") as f:
            f.write(content)
    print(f"{target}: {len(items)} seeds")
PY
