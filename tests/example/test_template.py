"""template.yaml as a deployer relies on it: valid, least privilege, every front door."""

from __future__ import annotations

import os
import re
import subprocess
from typing import Any

import pytest

from ..example_app import LAMBDA_DIR, TEMPLATE
from .test_store import CloudFormationLoader

ROOT = LAMBDA_DIR.parent
SAM = ROOT / ".tools" / "sam" / "bin" / "sam"


def template() -> dict[str, Any]:
    import yaml

    loaded: dict[str, Any] = yaml.load(TEMPLATE.read_text(), Loader=CloudFormationLoader)
    return loaded


def functions() -> dict[str, dict[str, Any]]:
    return {
        name: resource["Properties"]
        for name, resource in template()["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def test_both_apps_behind_every_front_door() -> None:
    found = functions()
    assert set(found) == {"FlaskFunction", "FastApiFunction", "StreamingFunction", "QueueFunction"}
    for name, properties in found.items():
        if name in ("StreamingFunction", "QueueFunction"):
            continue  # the streaming test below; tests/example/test_queue.py
        kinds = sorted(event["Type"] for event in properties["Events"].values())
        assert kinds == ["Api", "Api", "HttpApi", "HttpApi"]
        assert properties["FunctionUrlConfig"] == {"AuthType": "NONE"}
    runtime = template()["Globals"]["Function"]["Runtime"]
    assert re.fullmatch(r"python3\.1[2-9]", runtime)
    for name in ("FlaskRestApi", "FastApiRestApi"):
        assert "*~1*" in template()["Resources"][name]["Properties"]["BinaryMediaTypes"]


def test_the_streaming_function_streams_through_both_streaming_doors() -> None:
    properties = functions()["StreamingFunction"]
    assert properties["FunctionUrlConfig"] == {"AuthType": "NONE", "InvokeMode": "RESPONSE_STREAM"}
    events = properties["Events"].values()
    assert sorted(event["Type"] for event in events) == ["Api", "Api"]  # REST only: HTTP APIs
    for event in events:  # cannot stream
        assert event["Properties"]["ResponseTransferMode"] == "RESPONSE_STREAM"
    variables = properties["Environment"]["Variables"]
    assert variables["ADAPTERS_RESPONSE_MODE"] == "streaming"
    wrapper = variables["AWS_LAMBDA_EXEC_WRAPPER"]
    assert wrapper == "/var/task/adapters/runtime/exec-wrapper"  # CodeUri lambda/ is /var/task
    assert os.access(LAMBDA_DIR / wrapper.removeprefix("/var/task/"), os.X_OK)


def test_policies_allow_exactly_what_the_store_calls() -> None:
    store_source = (LAMBDA_DIR / "notes" / "store.py").read_text()
    called = {
        f"dynamodb:{''.join(part.title() for part in call.split('_'))}"
        for call in re.findall(r"self\.client\.(?:get_paginator\(\")?(\w+)", store_source)
    }
    assert called == {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
        "dynamodb:Scan",
    }
    for name, properties in functions().items():
        [policy] = properties["Policies"]
        [statement] = policy["Statement"]
        assert statement["Effect"] == "Allow"
        assert set(statement["Action"]) == called, name
        assert statement["Resource"] == {"GetAtt": "NotesTable.Arn"}


def test_sam_validate_lint_passes() -> None:
    if not SAM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("aws-sam-cli is missing: scripts/install-sam.sh")
        pytest.skip("aws-sam-cli is missing: run scripts/install-sam.sh")
    env = {
        **os.environ,
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing", "SAM_CLI_TELEMETRY": "0",
        "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:9",
        "AWS_MAX_ATTEMPTS": "1",
    }  # fmt: skip
    result = subprocess.run(
        [str(SAM), "validate", "--lint", "--template-file", str(TEMPLATE)],
        cwd=ROOT, capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr
