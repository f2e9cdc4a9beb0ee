"""The commands a resource owner runs to read what we could not."""

from __future__ import annotations

from s3repl_tui.probes import DESTINATION_PROFILE_PLACEHOLDER, cli_command
from s3repl_tui.probes.buckets import region_of_location


def test_an_s3_command_uses_s3api_and_the_cli_option_names() -> None:
    command = cli_command("s3:GetBucketPolicy", Bucket="d", profile=DESTINATION_PROFILE_PLACEHOLDER)
    assert command == "aws s3api get-bucket-policy --bucket d --profile <destination-profile>"


def test_global_options_follow_the_parameters_in_a_fixed_order() -> None:
    command = cli_command(
        "kms:GetKeyPolicy", profile="dest", KeyId="arn:aws:kms:us-west-2:1:key/k", PolicyName="default",
        endpoint_url="http://127.0.0.1:5000", region="us-west-2",
    )
    assert command == (
        "aws kms get-key-policy --key-id arn:aws:kms:us-west-2:1:key/k --policy-name default "
        "--region us-west-2 --endpoint-url http://127.0.0.1:5000 --profile dest"
    )


def test_values_are_quoted_for_the_shell_and_none_is_left_out() -> None:
    command = cli_command("iam:GetRolePolicy", RoleName="r", PolicyName="my policy", profile=None)
    assert command == "aws iam get-role-policy --role-name r --policy-name 'my policy'"


def test_legacy_locations_are_regions() -> None:
    assert region_of_location(None) == "us-east-1"
    assert region_of_location("EU") == "eu-west-1"
    assert region_of_location("ap-south-1") == "ap-south-1"
