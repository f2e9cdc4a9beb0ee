"""The botocore session ``check`` uses (aws/models.py): its loader knows exactly the services botocore's
own listing knows, and the session behaves as boto3.Session does where the tool relies on it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from botocore.exceptions import ProfileNotFound, UnknownServiceError
from botocore.loaders import create_loader

from s3repl_tui.aws.models import CoreSession, service_loader

NAMES = ["s3", "iam", "kms", "sts", "s3control", "nope", "S3", "../s3", "", "s3/2006-03-01", "custom-svc"]
TYPES = ["service-2", "endpoint-rule-set-1", "paginators-1", "waiters-2"]


def _data_path(tmp_path: Path) -> str:
    """An AWS_DATA_PATH with one service of our own, as a customer's extra models would be."""
    version = tmp_path / "custom-svc" / "2024-01-01"
    version.mkdir(parents=True)
    (version / "service-2.json").write_text(json.dumps({"version": "2.0", "metadata": {}, "operations": {},
                                                        "shapes": {}}))
    return str(tmp_path)


@pytest.mark.parametrize("type_name", TYPES)
def test_the_loader_knows_the_services_botocore_lists(tmp_path: Path, type_name: str) -> None:
    path = _data_path(tmp_path)
    ours, theirs = service_loader(path), create_loader(path)
    listed = set(theirs.list_available_services(type_name))

    assert {name for name in NAMES if name in ours.list_available_services(type_name)} == \
        {name for name in NAMES if name in listed}
    assert sorted(ours.list_available_services(type_name)) == sorted(listed)


def test_an_unknown_service_is_botocores_error() -> None:
    with pytest.raises(UnknownServiceError) as raised:
        CoreSession(region_name="us-east-1").client("no-such-service")
    assert "s3" in str(raised.value)


def test_an_unknown_profile_raises_at_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "config").write_text("[profile known]\nregion = eu-west-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    with pytest.raises(ProfileNotFound):
        CoreSession(profile_name="unknown", region_name="us-east-1")
    assert CoreSession(profile_name="known").region_name == "eu-west-1"
    assert CoreSession(profile_name="known", region_name="us-west-2").region_name == "us-west-2"
