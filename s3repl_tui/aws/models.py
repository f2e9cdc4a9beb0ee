"""botocore sessions without boto3, and a data loader that finds one service without listing them all.

``check`` makes a handful of low-level clients: boto3's resource layer and s3transfer (which
``import boto3`` pulls in) are not on its path, so the sessions are botocore's own, behind the few
methods of ``boto3.Session`` the tool uses (``client``, ``region_name``, ``_session``).

botocore's loader lists every service directory it knows (~400, one ``listdir`` and ``stat`` each) before
it loads any model, to tell whether the one asked for exists; ``ServiceLoader`` asks that service's
directory alone, which answers the same question (a service exists for a type when one of its API
versions has that file, which is what ``list_api_versions`` finds).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator, Set
from typing import Any

import botocore.session
from botocore.exceptions import DataNotFoundError
from botocore.loaders import JSONFileLoader, Loader

_SERVICE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class _KnownServices(Set[str]):
    """``name in services`` asks one directory; iterating lists them all (only error messages do)."""

    def __init__(self, loader: ServiceLoader, type_name: str) -> None:
        self._loader = loader
        self._type_name = type_name

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str) or not _SERVICE_NAME.match(name):
            return False
        try:
            return bool(self._loader.list_api_versions(name, self._type_name))
        except DataNotFoundError:
            return False

    def _all(self) -> list[str]:
        return list(self._loader.list_all_services(self._type_name))

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


class PlainJSONFileLoader(JSONFileLoader):
    """botocore's JSON file loader with plain dicts: it builds every object of a model as an
    ``OrderedDict`` (the S3 model alone has ~10,000), a few times slower to parse than a dict, which has
    kept its insertion order since Python 3.7; botocore only reads them (nothing of it uses
    ``move_to_end`` or ``popitem``, or compares two of them)."""

    def _load_file(self, full_path: str, open_method: Callable[..., Any]) -> Any:
        if not os.path.isfile(full_path):
            return None
        with open_method(full_path, "rb") as fp:
            payload = fp.read().decode("utf-8")
        return json.loads(payload)


class ServiceLoader(Loader):
    """botocore's Loader, answering "is there such a service" from that service's directory, and
    parsing models into plain dicts (``PlainJSONFileLoader``)."""

    FILE_LOADER_CLASS = PlainJSONFileLoader

    def list_available_services(self, type_name: str) -> Set[str]:  # type: ignore[override]
        return _KnownServices(self, type_name)

    def list_all_services(self, type_name: str) -> list[str]:
        """botocore's own listing of every service."""
        return list(Loader.list_available_services(self, type_name))


def service_loader(search_path_string: str | None) -> ServiceLoader:
    """What ``botocore.loaders.create_loader`` makes of AWS_DATA_PATH, as a ServiceLoader."""
    if search_path_string is None:
        return ServiceLoader()
    paths = [os.path.expanduser(os.path.expandvars(path)) for path in search_path_string.split(os.pathsep)]
    return ServiceLoader(extra_search_paths=paths)


class CoreSession:
    """The part of ``boto3.Session`` the tool uses, on a botocore session."""

    def __init__(self, profile_name: str | None = None, region_name: str | None = None) -> None:
        session = botocore.session.Session(profile=profile_name)
        if region_name is not None:
            session.set_config_variable("region", region_name)
        session.get_scoped_config()  # an unknown profile raises ProfileNotFound now, as boto3.Session does
        session.register_component("data_loader", service_loader(session.get_config_variable("data_path")))
        self._session = session

    @property
    def region_name(self) -> str | None:
        region = self._session.get_config_variable("region")
        return None if region is None else str(region)

    def client(self, service_name: str, region_name: str | None = None, endpoint_url: str | None = None,
               config: Any = None) -> Any:
        return self._session.create_client(service_name, region_name=region_name, endpoint_url=endpoint_url,
                                           config=config)
