"""Calls STS GetCallerIdentity with the given temporary credentials, using boto3 (a real AWS
client), and prints the reply as JSON. Usage: caller_identity.py ENDPOINT < credentials.json"""

import json
import sys

import boto3


def main() -> None:
    endpoint = sys.argv[1]
    creds = json.load(sys.stdin)["Credentials"]
    sts = boto3.client(
        "sts",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    reply = sts.get_caller_identity()
    reply.pop("ResponseMetadata", None)
    print(json.dumps(reply))


if __name__ == "__main__":
    main()
