"""The test run's own caches (conftest.py) change what the suite costs, never what it checks."""

from __future__ import annotations

import botocore.regions
import botocore.session

SERVICES = ("lambda", "sqs", "sns", "events", "s3", "iam", "kinesis", "dynamodb", "logs")  # the suite's clients


def test_every_session_shares_one_loader_whose_models_are_what_a_fresh_loader_parses():
    """Sessions made by separate mocks share the loader, and nothing the run did to its data made
    it differ from the files on disk, but for what botocore's endpoint resolver writes into the
    endpoint data it resolves (an endpoint's partition, name, suffix and its service's defaults):
    the same in every session, which keeps it for its later clients as the shared loader does."""
    first, second = botocore.session.get_session(), botocore.session.get_session()
    shared = first.get_component("data_loader")
    assert second.get_component("data_loader") is shared
    fresh = botocore.session.create_loader.__wrapped__(first.get_config_variable("data_path"))
    assert fresh is not shared
    for name in ("partitions", "_retry", "sdk-default-configuration"):
        assert shared.load_data(name) == fresh.load_data(name), name
    for service in SERVICES:
        for type_name in ("service-2", "paginators-1", "endpoint-rule-set-1"):
            assert shared.load_service_model(service, type_name) == fresh.load_service_model(service, type_name), (
                service, type_name)

    endpoints, fresh_endpoints = shared.load_data("endpoints"), fresh.load_data("endpoints")
    resolver = botocore.regions.EndpointResolver(fresh_endpoints)
    for partition in endpoints["partitions"]:
        for service, data in partition["services"].items():
            for region, endpoint in data.get("endpoints", {}).items():
                if "endpointName" in endpoint:  # resolved in this run: resolve it in the fresh data too
                    resolver.construct_endpoint(service, region, partition_name=partition["partition"])
    assert endpoints == fresh_endpoints
