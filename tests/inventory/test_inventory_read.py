"""Reading inventory reports from local files: manifest parsing, CSV (gzip) and Parquet rows, counts by
status, prefix, age and rule, the Batch manifest of FAILED objects, and one sentence for bad input."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import pytest
from inventory_builders import CREATED, MIXED, RULES, Obj, report

from s3repl_tui.inventory import (
    AgeBuckets,
    BatchManifestWriter,
    InventoryError,
    RuleMatcher,
    Tally,
    from_local,
    parse_manifest,
    read_report,
)
from s3repl_tui.inventory.batch_manifest import read_manifest_file
from s3repl_tui.inventory.tally import prefix_of

SOURCE = "src-bucket"


def count(manifest_path: Path, rules: dict[str, object] | None = RULES, depth: int = 1) -> Tally:
    located = from_local(manifest_path)
    tally = Tally(AgeBuckets(located.manifest.created or CREATED), RuleMatcher(rules), prefix_depth=depth)
    read_report(located.manifest, located.open_file, tally)
    return tally


def by(groups: list[dict[str, object]], name: str) -> dict[str, dict[str, int]]:
    return {str(group[name]): group["statuses"] for group in groups}  # type: ignore[misc]


def one_sentence(error: InventoryError) -> None:
    assert "\n" not in error.message and error.message.endswith(".") and error.hint


def test_csv_report_counts_by_status_prefix_age_and_rule(tmp_path: Path) -> None:
    tally = count(report(SOURCE, MIXED).write_to(tmp_path))
    summary = tally.to_json()
    assert summary["rows"] == 8
    assert summary["statuses"] == {"FAILED": 3, "PENDING": 1, "COMPLETED": 2, "REPLICA": 1, "NONE": 1, "OTHER": 0}
    prefixes = by(summary["by_prefix"], "prefix")
    assert prefixes["logs/"]["FAILED"] == 2 and prefixes["logs/"]["COMPLETED"] == 1
    assert prefixes["images/"]["PENDING"] == 1 and prefixes["(top level)"]["REPLICA"] == 1
    assert [group["prefix"] for group in summary["by_prefix"]][:2] == ["logs/", "tagged/"]  # most FAILED first
    ages = by(summary["by_age"], "age")
    assert ages["<1h"]["FAILED"] == 1 and ages["<1h"]["PENDING"] == 1
    assert ages["<24h"]["FAILED"] == 1
    assert ages["<7d"] == {"FAILED": 1, "PENDING": 0, "COMPLETED": 1, "REPLICA": 1, "NONE": 0, "OTHER": 0}
    assert ages["older"]["COMPLETED"] == 1 and ages["older"]["NONE"] == 1
    rules = by(summary["by_rule"], "rule")
    assert rules["logs-rule"]["FAILED"] == 2
    assert rules["images-rule"]["PENDING"] == 1
    assert rules["rule unknown (tag filter)"]["FAILED"] == 1
    assert rules["no rule (not eligible)"]["NONE"] == 1
    assert "disabled-rule" not in rules
    assert set(summary["failed_examples"]) == {"logs/a.txt", "logs/b c+d.txt", "tagged/t.bin"}  # decoded


def test_parquet_report_counts_the_same_as_csv(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    from_csv = count(report(SOURCE, MIXED).write_to(tmp_path / "csv")).to_json()
    from_parquet = count(report(SOURCE, MIXED, file_format="Parquet").write_to(tmp_path / "pq")).to_json()
    assert from_parquet["rows"] == 8
    for field in ("statuses", "by_prefix", "by_age", "by_rule"):
        assert from_parquet[field] == from_csv[field], field
    assert set(from_parquet["failed_examples"]) == set(from_csv["failed_examples"])


def test_parquet_without_pyarrow_says_which_extra_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({"sourceBucket": SOURCE, "destinationBucket": "arn:aws:s3:::d", "fileFormat": "Parquet",
                                "fileSchema": "message s3.inventory { required binary key (STRING); "
                                              "optional binary replication_status (STRING);}",
                                "files": [{"key": "d/x.parquet", "size": 1, "MD5checksum": "0"}]}))
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow raises ImportError
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(InventoryError) as raised:
        count(path)
    assert "pyarrow" in raised.value.message and "s3repl-tui[parquet]" in raised.value.hint
    one_sentence(raised.value)


def test_orc_is_refused_in_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({"sourceBucket": SOURCE, "fileFormat": "ORC", "files": [],
                                "fileSchema": "struct<bucket:string,key:string,replication_status:string>"}))
    with pytest.raises(InventoryError) as raised:
        count(path)
    assert "ORC" in raised.value.message
    one_sentence(raised.value)


def test_a_report_without_replication_status_says_to_add_the_field(tmp_path: Path) -> None:
    schema = ("Bucket", "Key", "Size", "LastModifiedDate")
    with pytest.raises(InventoryError) as raised:
        count(report(SOURCE, MIXED, schema=schema).write_to(tmp_path))
    assert "no ReplicationStatus field" in raised.value.message
    assert "Add the ReplicationStatus optional field" in raised.value.hint
    one_sentence(raised.value)


@pytest.mark.parametrize(("text", "says"), [
    ("not json", "is not JSON"),
    ("[1, 2]", "no object at the top"),
    (json.dumps({"fileFormat": "XLS", "files": [], "fileSchema": "Key"}), "fileFormat is missing or not one S3 writes"),
    (json.dumps({"fileFormat": "CSV", "fileSchema": "Key, ReplicationStatus"}), "files is missing"),
    (json.dumps({"fileFormat": "CSV", "files": [{"size": 3}], "fileSchema": "Key"}), "without a key"),
    (json.dumps({"fileFormat": "CSV", "files": []}), "no fileSchema"),
])
def test_a_bad_manifest_is_one_sentence(text: str, says: str) -> None:
    with pytest.raises(InventoryError) as raised:
        parse_manifest(text, "m.json")
    assert says in raised.value.message
    one_sentence(raised.value)


def test_manifest_fields(tmp_path: Path) -> None:
    manifest = parse_manifest(report(SOURCE, MIXED).files[f"inv/{SOURCE}/replication-status/2024-05-01T12-00Z/"
                                                          "manifest.json"], "m")
    assert manifest.file_format == "CSV" and manifest.source_bucket == SOURCE
    assert manifest.destination_bucket == "inventory-dest"
    assert manifest.schema[:2] == ("Bucket", "Key") and manifest.has_field("ReplicationStatus")
    assert [f.key for f in manifest.files] == [f"inv/{SOURCE}/replication-status/data/part-{i}.csv.gz" for i in (0, 1)]
    assert manifest.created == CREATED


def test_a_changed_data_file_fails_its_md5(tmp_path: Path) -> None:
    made = report(SOURCE, MIXED)
    path = made.write_to(tmp_path)
    data = tmp_path / "inv" / SOURCE / "replication-status" / "data" / "part-1.csv.gz"
    data.write_bytes(report(SOURCE, MIXED[:3]).files[f"inv/{SOURCE}/replication-status/data/part-1.csv.gz"])
    with pytest.raises(InventoryError) as raised:
        count(path)
    assert "MD5 checksum" in raised.value.message
    one_sentence(raised.value)


def test_a_data_file_that_is_not_gzip_is_one_sentence(tmp_path: Path) -> None:
    made = report(SOURCE, MIXED, parts=1)
    made.files[f"inv/{SOURCE}/replication-status/data/part-0.csv.gz"] = b"Bucket,Key\n"
    manifest = json.loads(made.files[made.manifest_key])
    manifest["files"][0]["MD5checksum"] = None
    made.files[made.manifest_key] = json.dumps(manifest).encode()
    with pytest.raises(InventoryError) as raised:
        count(made.write_to(tmp_path))
    assert "not a gzip-compressed CSV file" in raised.value.message


def test_a_missing_data_file_is_one_sentence(tmp_path: Path) -> None:
    made = report(SOURCE, MIXED, parts=1)
    manifest_only = tmp_path / "manifest.json"
    manifest_only.write_bytes(made.files[made.manifest_key])
    with pytest.raises(InventoryError) as raised:
        count(manifest_only)
    assert "is not on this machine" in raised.value.message


def test_data_files_are_found_when_only_the_report_folder_was_copied(tmp_path: Path) -> None:
    made = report(SOURCE, MIXED)
    for key, body in made.files.items():  # as `aws s3 sync s3://dest/inv/src/replication-status/ ./copy`
        relative = key.split("/", 3)[3]
        (tmp_path / "copy" / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "copy" / relative).write_bytes(body)
    assert count(tmp_path / "copy" / "2024-05-01T12-00Z").rows == 8  # a folder holding manifest.json


def test_batch_manifest_lists_exactly_the_failed_objects_url_encoded(tmp_path: Path) -> None:
    objects = (*MIXED, Obj("logs/deleted.txt", "FAILED", delete_marker=True))
    path = report(SOURCE, objects, parts=1).write_to(tmp_path)
    out = tmp_path / "failed.csv"
    located = from_local(path)
    tally = Tally(AgeBuckets(CREATED), RuleMatcher(RULES))
    with BatchManifestWriter(out, with_versions=False) as writer:
        tally.on_failed = writer.add
        read_report(located.manifest, located.open_file, tally)
    assert out.read_text().splitlines() == [
        f"{SOURCE},logs/a.txt",
        f"{SOURCE},logs/b%20c%2Bd.txt",
        f"{SOURCE},tagged/t.bin",
    ]
    assert writer.count == 3 and tally.failed == 4  # the delete marker is counted, not re-replicated
    assert read_manifest_file(out, SOURCE) == (("Bucket", "Key"), 3)


def test_batch_manifest_names_versions_when_the_inventory_has_them(tmp_path: Path) -> None:
    objects = (Obj("a/1", "FAILED", version_id="v1"), Obj("a/2", "FAILED"), Obj("a/3", "COMPLETED", version_id="v3"))
    path = report(SOURCE, objects, parts=1).write_to(tmp_path)
    out = tmp_path / "failed.csv"
    located = from_local(path)
    tally = Tally(AgeBuckets(CREATED), RuleMatcher(None))
    with BatchManifestWriter(out, with_versions=located.manifest.has_field("VersionId")) as writer:
        tally.on_failed = writer.add
        read_report(located.manifest, located.open_file, tally)
    assert out.read_text().splitlines() == [f"{SOURCE},a/1,v1", f"{SOURCE},a/2,null"]
    assert read_manifest_file(out, SOURCE) == (("Bucket", "Key", "VersionId"), 2)


@pytest.mark.parametrize(("content", "says"), [
    ("other-bucket,k\n", "lists an object of bucket other-bucket"),
    ("src-bucket\n", "has 1 columns"),
    ("src-bucket,a\nsrc-bucket,b,v\n", "has 3 columns"),
    ("", "lists no object"),
])
def test_a_bad_batch_manifest_is_one_sentence(tmp_path: Path, content: str, says: str) -> None:
    path = tmp_path / "m.csv"
    path.write_text(content)
    with pytest.raises(InventoryError) as raised:
        read_manifest_file(path, SOURCE)
    assert says in raised.value.message
    one_sentence(raised.value)


def test_rule_attribution_follows_priority_and_tags() -> None:
    matcher = RuleMatcher({"Rules": [
        {"ID": "broad", "Priority": 1, "Status": "Enabled", "Filter": {"Prefix": ""}},
        {"ID": "narrow", "Priority": 5, "Status": "Enabled", "Filter": {"Prefix": "a/b/"}},
        {"ID": "tags", "Priority": 3, "Status": "Enabled", "Filter": {"Tag": {"Key": "k", "Value": "v"}}},
        {"ID": "v1", "Status": "Enabled", "Prefix": "zzz"},
    ]})
    assert matcher.rule_for("a/b/c") == "narrow"
    assert matcher.rule_for("a/x") == "rule unknown (tag filter)"  # the tag rule outranks "broad"
    assert RuleMatcher({"Rules": [{"ID": "only", "Status": "Enabled", "Filter": {"Prefix": "p/"}}]}).rule_for("q") \
        == "no rule (not eligible)"
    assert RuleMatcher(None).rule_for("x") == "no replication configuration"


def test_rules_are_judged_per_key_when_a_rule_prefix_is_longer_than_the_counted_prefix(tmp_path: Path) -> None:
    rules = {"Rules": [{"ID": "deep", "Priority": 1, "Status": "Enabled", "Filter": {"Prefix": "logs/app/"}}]}
    objects = (Obj("logs/app/1", "FAILED"), Obj("logs/web/1", ""), Obj("logs/app/2", "COMPLETED"))
    summary = count(report(SOURCE, objects, parts=1).write_to(tmp_path), rules=rules).to_json()
    rules_counted = by(summary["by_rule"], "rule")
    assert rules_counted["deep"]["FAILED"] == 1 and rules_counted["deep"]["COMPLETED"] == 1
    assert rules_counted["no rule (not eligible)"]["NONE"] == 1


def test_prefix_depth() -> None:
    assert prefix_of("a/b/c/d", 1) == "a/"
    assert prefix_of("a/b/c/d", 2) == "a/b/"
    assert prefix_of("a/b", 3) == "a/"
    assert prefix_of("top", 1) == "(top level)"


def test_ages_from_text_and_timestamps_agree() -> None:
    ages = AgeBuckets(CREATED)
    for delta, label in ((dt.timedelta(minutes=59), "<1h"), (dt.timedelta(hours=23), "<24h"),
                         (dt.timedelta(days=6), "<7d"), (dt.timedelta(days=8), "older")):
        moment = CREATED - delta
        assert ages.of(moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")) == label
        assert ages.of(moment) == label
        assert ages.of(moment.replace(tzinfo=None)) == label
    assert ages.of(None) == "no date"


def test_url_encoded_keys_are_counted_and_matched_decoded(tmp_path: Path) -> None:
    rules = {"Rules": [{"ID": "spaced", "Priority": 2, "Status": "Enabled", "Filter": {"Prefix": "my logs/"}},
                       {"ID": "plain", "Priority": 1, "Status": "Enabled", "Filter": {"Prefix": "my"}}]}
    objects = (Obj("my logs/a b", "FAILED"), Obj("mylogs/c", "FAILED"), Obj("my logs/ü+x", "COMPLETED"))
    path = report(SOURCE, objects, parts=1).write_to(tmp_path)
    located = from_local(path)
    out = tmp_path / "failed.csv"
    tally = Tally(AgeBuckets(CREATED), RuleMatcher(rules))
    with BatchManifestWriter(out, with_versions=False) as writer:
        tally.on_failed = writer.add
        read_report(located.manifest, located.open_file, tally)
    summary = tally.to_json()
    assert by(summary["by_prefix"], "prefix")["my logs/"]["FAILED"] == 1
    assert by(summary["by_prefix"], "prefix")["my logs/"]["COMPLETED"] == 1
    rules_counted = by(summary["by_rule"], "rule")
    assert rules_counted["spaced"]["FAILED"] == 1 and rules_counted["spaced"]["COMPLETED"] == 1
    assert rules_counted["plain"]["FAILED"] == 1
    assert summary["failed_examples"] == ["my logs/a b", "mylogs/c"]
    assert out.read_text().splitlines() == [f"{SOURCE},my%20logs/a%20b", f"{SOURCE},mylogs/c"]


def test_an_encoded_slash_is_decoded_before_the_prefix_is_taken() -> None:
    tally = Tally(AgeBuckets(CREATED), RuleMatcher(None), url_encoded_keys=True)
    tally.add(SOURCE, "dir%2Ffile", None, "FAILED")
    assert [g["prefix"] for g in tally.to_json()["by_prefix"]] == ["dir/"]
    assert tally.failed_examples == ["dir/file"]
