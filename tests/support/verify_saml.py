#!/usr/bin/env python3
"""Check a SAML Response the way AWS would, with two independent verifiers.

    verify_saml.py --cert CERT.pem --issuer I --audience A --recipient R RESPONSE.xml

1. python3-saml, configured as the service provider AWS is: SP entity ID = audience,
   ACS URL = recipient, IdP entity ID = issuer, IdP certificate = CERT, strict mode,
   signed assertions required, schema validation on. This checks the signature,
   Destination, Recipient, Audience, Issuer, status and timestamps.
2. signxml's XMLVerifier, which must find exactly one signature, located as a child of
   the Assertion, covering exactly one reference (the Assertion), made with CERT.

The values reported are cross-checked against what signxml says was signed, so a
Response that smuggles unsigned content past either library is refused.

On success prints {"name_id": ..., "attributes": {name: [values]}, "issuer": ...} and
exits 0; on failure prints the reason to stderr and exits 1.
"""

import argparse
import base64
import json
import sys
import warnings
from urllib.parse import urlsplit

from onelogin.saml2.response import OneLogin_Saml2_Response
from onelogin.saml2.settings import OneLogin_Saml2_Settings
from signxml import SignatureConfiguration, XMLVerifier

SAML_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
NS = {"saml": SAML_NS}


def request_data_for(recipient):
    """The request python3-saml believes it received: the ACS URL, i.e. the recipient."""
    url = urlsplit(recipient)
    if url.scheme not in ("http", "https") or not url.netloc:
        raise ValueError(f"recipient must be an http(s) URL, got {recipient!r}")
    return {
        "https": "on" if url.scheme == "https" else "off",
        "http_host": url.netloc,
        "script_name": url.path,
        "get_data": {},
        "post_data": {},
    }


def check_with_python3_saml(xml, cert, issuer, audience, recipient):
    settings = OneLogin_Saml2_Settings(
        {
            "strict": True,
            "debug": False,
            "sp": {
                "entityId": audience,
                "assertionConsumerService": {
                    "url": recipient,
                    "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
                },
                "NameIDFormat": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
            },
            "idp": {
                "entityId": issuer,
                "singleSignOnService": {
                    "url": "https://idp.invalid/sso",
                    "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect",
                },
                "x509cert": cert,
            },
            "security": {
                "wantAssertionsSigned": True,
                "wantMessagesSigned": False,
                "wantNameId": True,
                "wantXMLValidation": True,
                "rejectDeprecatedAlgorithm": True,
            },
        },
        sp_validation_only=True,
    )
    response = OneLogin_Saml2_Response(settings, base64.b64encode(xml).decode("ascii"))
    # Raises OneLogin_Saml2_ValidationError naming the failed check.
    response.is_valid(request_data_for(recipient), raise_exceptions=True)
    return {
        "name_id": response.get_nameid(),
        "attributes": response.get_attributes(),
        "issuers": response.get_issuers(),
    }


def check_with_signxml(xml, cert):
    config = SignatureConfiguration(location=f"./{{{SAML_NS}}}Assertion/")
    result = XMLVerifier().verify(xml, x509_cert=cert, expect_config=config, expect_references=1)
    signed = result.signed_xml
    if signed is None or signed.tag != f"{{{SAML_NS}}}Assertion":
        raise ValueError("signxml: the signature does not cover the Assertion")
    attributes = {}
    for attribute in signed.iterfind("saml:AttributeStatement/saml:Attribute", NS):
        values = [v.text or "" for v in attribute.iterfind("saml:AttributeValue", NS)]
        attributes.setdefault(attribute.get("Name"), []).extend(values)
    return {
        "name_id": signed.findtext("saml:Subject/saml:NameID", namespaces=NS),
        "issuer": signed.findtext("saml:Issuer", namespaces=NS),
        "attributes": attributes,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cert", required=True, help="PEM certificate of the IdP")
    parser.add_argument("--issuer", required=True, help="expected IdP entity ID")
    parser.add_argument("--audience", required=True, help="expected Audience (SP entity ID)")
    parser.add_argument("--recipient", required=True, help="expected Destination/Recipient URL")
    parser.add_argument("response", help="file holding the samlp:Response XML")
    args = parser.parse_args()

    # python3-saml warns about its own deprecations; they are not verification results.
    warnings.simplefilter("ignore")
    try:
        with open(args.cert, encoding="ascii") as f:
            cert = f.read()
        with open(args.response, "rb") as f:
            xml = f.read()
        seen = check_with_python3_saml(xml, cert, args.issuer, args.audience, args.recipient)
        signed = check_with_signxml(xml, cert)
        if seen["name_id"] != signed["name_id"]:
            raise ValueError("NameID read by python3-saml is not the signed one")
        if seen["attributes"] != signed["attributes"]:
            raise ValueError("attributes read by python3-saml are not the signed ones")
        if signed["issuer"] != args.issuer or args.issuer not in seen["issuers"]:
            raise ValueError(f"issuer is {signed['issuer']!r}, expected {args.issuer!r}")
    except Exception as error:  # every failure is a rejection; say which and why
        print(f"rejected: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    json.dump(
        {"name_id": signed["name_id"], "attributes": signed["attributes"], "issuer": signed["issuer"]},
        sys.stdout,
        ensure_ascii=False,
    )
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
