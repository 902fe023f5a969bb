"""Verifies a JWT the way a standard client does: PyJWT, with the signing key looked up by
`kid` in the JWKS fetched over HTTP. Prints the verified claims as JSON; exits non-zero
with the reason when verification fails.

usage: verify_jwt.py JWKS_URL ISSUER AUDIENCE < token
"""
import json
import sys

import jwt


def main():
    jwks_url, issuer, audience = sys.argv[1:4]
    token = sys.stdin.read().strip()
    client = jwt.PyJWKClient(jwks_url, cache_keys=False)
    key = client.get_signing_key_from_jwt(token)
    claims = jwt.decode(
        token,
        key.key,
        algorithms=["RS256", "ES256"],
        issuer=issuer,
        audience=audience,
        options={"require": ["iss", "sub", "aud", "exp", "iat"]},
    )
    header = jwt.get_unverified_header(token)
    print(json.dumps({"header": header, "claims": claims}))


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # the reason is the test's failure message
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)
