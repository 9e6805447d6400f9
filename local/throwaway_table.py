"""Run the race and repository tests against a throwaway DynamoDB table: `make test-dynamodb`.

    make test-dynamodb                      here: a DynamoDB endpoint of its own (moto's server, a child process)
    make test-dynamodb ARGS="--aws"         a real table in the AWS account of the current credentials
    make test-dynamodb ARGS="--aws --region eu-west-1 -k races"   (anything after the flags goes to pytest)

The table is created from template.yaml's own definition (keys, indexes, TTL) with a random name, the tests
run against it (the local API they start uses it through DYNAMODB_ENDPOINT), and it is deleted afterwards,
whatever the outcome. On AWS this checks what moto cannot vouch for: transactions staying atomic under real
concurrency (moto's are serialised here), TTL, and the capacity DynamoDB reports. It costs cents (on-demand,
a few thousand requests) and needs dynamodb:CreateTable/DeleteTable/DescribeTable/UpdateTimeToLive and the
item actions on `stvos-throwaway-*`.

The tests chosen are the ones that race (every test file that starts threads) and the transaction-failure
tests of the repository (tests/integration/test_accounts_conflicts.py).
"""
from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
from pathlib import Path

from local.template import ROOT

ALSO = ["tests/integration/test_accounts_conflicts.py"]
NOT_DYNAMODB = {"tests/e2e/test_local_server_concurrency.py"}  # races the HTTP server, not the table
THREAD_MARKERS = ("threading.Thread", "threading.Barrier", "ThreadPoolExecutor")


def race_tests(root: Path = ROOT) -> list[str]:
    found = {str(path.relative_to(root)) for path in sorted((root / "tests").rglob("test_*.py"))
             if any(marker in path.read_text(encoding="utf-8") for marker in THREAD_MARKERS)}
    return sorted((found | set(ALSO)) - NOT_DYNAMODB)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="make test-dynamodb", description=__doc__.split("\n\n")[0])
    parser.add_argument("--aws", action="store_true", help="a real table in AWS (default: moto's server here)")
    parser.add_argument("--region", default=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
                        or "us-east-1")
    args, pytest_args = parser.parse_known_args(argv)
    from local.stack import DEV_ENVIRONMENT

    moto = None
    table = f"stvos-throwaway-{secrets.token_hex(4)}"
    environment = dict(os.environ, TABLE_NAME=table, STVOS_TEST_TABLE=table)
    if args.aws:
        endpoint = f"https://dynamodb.{args.region}.amazonaws.com"
        environment.update(_aws_credentials(), AWS_DEFAULT_REGION=args.region)
    else:
        from local.dynamo import start_moto

        moto, endpoint = start_moto()
    for name, value in DEV_ENVIRONMENT.items():  # development secrets for the local API the tests start
        environment.setdefault(name, value)
    os.environ.update(environment)
    from local.dynamo import create_table
    from shared.db.repository import make_client

    client = make_client(endpoint=endpoint, region=environment["AWS_DEFAULT_REGION"])
    print(f"creating {table} at {endpoint} from template.yaml", flush=True)
    try:
        create_table(client, table)
        environment["DYNAMODB_ENDPOINT"] = endpoint
        tests = race_tests()
        print("running:", " ".join(tests), flush=True)
        return subprocess.call([sys.executable, "-m", "pytest", *tests, *pytest_args], cwd=ROOT, env=environment)
    finally:
        print(f"deleting {table}", flush=True)
        try:
            client.delete_table(TableName=table)
            client.get_waiter("table_not_exists").wait(TableName=table, WaiterConfig={"Delay": 2, "MaxAttempts": 60})
        finally:
            if moto is not None:
                moto.stop()


def _aws_credentials() -> dict[str, str]:
    """The current credentials (environment, profile, SSO...) as variables, so that the tests' development
    defaults (AWS_ACCESS_KEY_ID=local) cannot stand in for them."""
    import botocore.session

    found = botocore.session.get_session().get_credentials()
    if found is None:
        raise SystemExit("no AWS credentials: configure a profile or the AWS_* variables, or drop --aws")
    frozen = found.get_frozen_credentials()
    values = {"AWS_ACCESS_KEY_ID": frozen.access_key, "AWS_SECRET_ACCESS_KEY": frozen.secret_key}
    if frozen.token:
        values["AWS_SESSION_TOKEN"] = frozen.token
    return values


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
