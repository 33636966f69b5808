#!/usr/bin/env python3
"""Checks a signed oncegate answer with nothing of oncegate's: base64url, the JWS signing input
(RFC 7515 appendix F, detached payload) and Ed25519 (RFC 8037) from Python's `cryptography`.
A second, independent implementation for tests/integration/SignedAnswerTest.cpp.

usage: verify_signed_answer.py BODY_FILE SIGNATURE_FILE JWKS_FILE
Prints the key id and exits 0 when valid; prints why and exits 1 when not.
"""
import base64
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def b64url_decode(text):
    if "=" in text:
        raise ValueError("padding in base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def main():
    body_file, signature_file, jwks_file = sys.argv[1:4]
    with open(body_file, "rb") as f:
        body = f.read()
    with open(signature_file, "r", encoding="ascii") as f:
        signature = f.read().strip()
    with open(jwks_file, "r", encoding="utf-8") as f:
        jwks = json.load(f)

    parts = signature.split(".")
    if len(parts) != 3 or parts[1] != "":
        print("not a detached compact JWS")
        return 1
    encoded_header, _, encoded_signature = parts
    header = json.loads(b64url_decode(encoded_header))
    if header.get("alg") != "EdDSA" or "crit" in header:
        print("unsupported header", header)
        return 1
    keys = [k for k in jwks["keys"]
            if k.get("kty") == "OKP" and k.get("crv") == "Ed25519" and k.get("kid") == header.get("kid")]
    if not keys:
        print("no key", header.get("kid"))
        return 1
    public_key = Ed25519PublicKey.from_public_bytes(b64url_decode(keys[0]["x"]))
    signing_input = encoded_header.encode("ascii") + b"." + b64url_encode(body)
    try:
        public_key.verify(b64url_decode(encoded_signature), signing_input)
    except InvalidSignature:
        print("bad signature")
        return 1
    print("valid", header["kid"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
