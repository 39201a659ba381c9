"""DPoP proofs by an independent JOSE implementation (joserfc), for the lab's interop test.

    dpop.py keygen                         -> a private P-256 JWK (JSON) on stdout
    dpop.py proof KEY HTM HTU [TOKEN]      -> a DPoP proof by KEY (a JWK file) for HTM HTU,
                                              with ath for TOKEN when given
    dpop.py verify PROOF                   -> {"jkt": ..., "claims": {...}} when PROOF is a
                                              dpop+jwt whose signature its own header key
                                              verifies; exits 1 with the reason otherwise

Nothing here shares code with the lab: the key handling, the JWS signing and verifying and
the RFC 7638 thumbprint are joserfc's.
"""

import base64
import hashlib
import json
import secrets
import sys
import time

from joserfc import jws
from joserfc.jwk import ECKey


def keygen():
    key = ECKey.generate_key("P-256", private=True)
    print(json.dumps(key.as_dict(private=True)))


def proof(key_file, htm, htu, token=None):
    with open(key_file) as f:
        key = ECKey.import_key(json.load(f))
    public = {k: v for k, v in key.as_dict(private=False).items() if k in ("kty", "crv", "x", "y")}
    claims = {"htm": htm, "htu": htu, "iat": int(time.time()), "jti": secrets.token_urlsafe(16)}
    if token:
        digest = hashlib.sha256(token.encode("ascii")).digest()
        claims["ath"] = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": public}
    print(jws.serialize_compact(header, json.dumps(claims).encode(), key, algorithms=["ES256"]))


def verify(text):
    header_part = text.split(".")[0]
    header = json.loads(base64.urlsafe_b64decode(header_part + "=" * (-len(header_part) % 4)))
    if header.get("typ") != "dpop+jwt":
        sys.exit(f"typ is {header.get('typ')!r}, not dpop+jwt")
    key = ECKey.import_key(header["jwk"])
    if key.is_private:
        sys.exit("the header's key is private")
    obj = jws.deserialize_compact(text, key, algorithms=["ES256"])
    print(json.dumps({"jkt": key.thumbprint(), "claims": json.loads(obj.payload)}))


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    {"keygen": keygen, "proof": proof, "verify": verify}[command](*args)
