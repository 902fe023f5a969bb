"""The compose demo's development issuer and app, run in the moto image (which has Python,
cryptography and boto3). Not for production: real id_tokens come from your OIDC provider.

    demo.py init DIR                   make DIR/dev-issuer.key (once) and DIR/dev-jwks.json
    demo.py mint DIR [SUB]             print an id_token for Jane Doe (or another `sub`),
                                       valid 10 minutes
    demo.py run DIR SERVER STS         mint a token, POST SERVER/delegation, then call
                                       GetCallerIdentity at STS with the credentials

Keep ISSUER and CLIENT_ID in step with deploy/compose/delegation.toml.
"""

import base64
import json
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

ISSUER = "https://dev-issuer.local/"
CLIENT_ID = "compose-app"
KID = "compose-dev-key"
GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def load_key(directory: Path) -> rsa.RSAPrivateKey:
    pem = (directory / "dev-issuer.key").read_bytes()
    return serialization.load_pem_private_key(pem, password=None)


def init(directory: Path) -> None:
    key_path = directory / "dev-issuer.key"
    if not key_path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
    numbers = load_key(directory).public_key().public_numbers()
    as_bytes = lambda n: n.to_bytes((n.bit_length() + 7) // 8, "big")  # noqa: E731
    jwk = {"kty": "RSA", "kid": KID, "use": "sig", "alg": "RS256",
           "n": b64url(as_bytes(numbers.n)), "e": b64url(as_bytes(numbers.e))}
    (directory / "dev-jwks.json").write_text(json.dumps({"keys": [jwk]}, indent=2))
    print(f"dev issuer {ISSUER}: keys in {directory}")


def mint(directory: Path, sub: str = "auth0|123", name: str = "Jane Doe") -> str:
    now = int(time.time())
    nickname = name.split()[0].lower()
    header = {"alg": "RS256", "typ": "JWT", "kid": KID}
    claims = {"iss": ISSUER, "aud": CLIENT_ID, "sub": sub, "iat": now, "exp": now + 600,
              "name": name, "nickname": nickname, "email": f"{nickname}@example.com"}
    signing_input = ".".join(
        b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
    )
    signature = load_key(directory).sign(
        signing_input.encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    return f"{signing_input}.{b64url(signature)}"


def wait_answering(url: str, seconds: float = 60) -> None:
    """Waits until `url` answers 2xx: compose runtimes that ignore `service_healthy`
    (podman before 4.6) start this demo before the services it depends on are ready."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            if time.monotonic() > deadline:
                raise SystemExit(f"{url} did not answer in {seconds} s")
            time.sleep(0.5)


def run(directory: Path, server: str, sts_endpoint: str) -> None:
    import boto3  # moto's dependency; imported late so `init` and `mint` start fast

    wait_answering(f"{server}/healthz")
    wait_answering(f"{sts_endpoint.rstrip('/')}/moto-api/")
    body = json.dumps({"client_id": CLIENT_ID, "grant_type": GRANT, "id_token": mint(directory),
                       "target": CLIENT_ID, "api_type": "aws"}).encode()
    request = urllib.request.Request(f"{server}/delegation", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=15) as reply:
            answer = json.load(reply)
    except urllib.error.HTTPError as e:
        raise SystemExit(f"POST /delegation: {e.code} {e.read().decode(errors='replace')}")
    creds = answer["Credentials"]
    shown = {k: v for k, v in answer.items() if k != "Credentials"}
    shown["Credentials"] = {"AccessKeyId": creds["AccessKeyId"],
                            "Expiration": creds["Expiration"],
                            "SecretAccessKey": "(hidden)", "SessionToken": "(hidden)"}
    print("POST /delegation:", json.dumps(shown, indent=2))
    sts = boto3.client("sts", endpoint_url=sts_endpoint, region_name="us-east-1",
                       aws_access_key_id=creds["AccessKeyId"],
                       aws_secret_access_key=creds["SecretAccessKey"],
                       aws_session_token=creds["SessionToken"])
    identity = sts.get_caller_identity()
    identity.pop("ResponseMetadata", None)
    print("GetCallerIdentity:", json.dumps(identity))


def main() -> None:
    match sys.argv[1:]:
        case ["init", directory]:
            init(Path(directory))
        case ["mint", directory]:
            print(mint(Path(directory)))
        case ["mint", directory, sub]:
            print(mint(Path(directory), sub))
        case ["run", directory, server, sts_endpoint]:
            run(Path(directory), server.rstrip("/"), sts_endpoint)
        case _:
            raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
