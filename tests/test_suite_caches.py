"""The test run's own caches (conftest.py) change what the suite costs, never what it checks."""

from __future__ import annotations

import botocore.handlers
import botocore.model
import botocore.regions
import botocore.session

SERVICES = ("lambda", "sqs", "sns", "events", "s3", "iam", "kinesis", "dynamodb", "logs")  # the suite's clients


def test_every_session_shares_one_loader_whose_models_are_what_a_fresh_loader_parses():
    """Sessions made by separate mocks share the loader, and what the run did to its data is only
    what botocore writes into the data it loaded in any session, which keeps it for the session's
    later clients as the shared loader does for later sessions: the endpoint resolver's fill-in of
    each endpoint it resolved, and S3's bucket taken out of an operation's path on its first call.
    Replayed on freshly parsed data, those give exactly the shared data (any other change fails)."""
    first, second = botocore.session.get_session(), botocore.session.get_session()
    shared = first.get_component("data_loader")
    assert second.get_component("data_loader") is shared
    fresh = botocore.session.create_loader.__wrapped__(first.get_config_variable("data_path"))
    assert fresh is not shared
    for name in ("partitions", "_retry", "sdk-default-configuration"):
        assert shared.load_data(name) == fresh.load_data(name), name
    for service in SERVICES:
        for type_name in ("paginators-1", "endpoint-rule-set-1"):
            assert shared.load_service_model(service, type_name) == fresh.load_service_model(service, type_name), (
                service, type_name)
        used, parsed = shared.load_service_model(service, "service-2"), fresh.load_service_model(service, "service-2")
        for name, operation in used["operations"].items():
            if "authPath" in operation["http"]:  # called: botocore.handlers took the bucket out of its path
                model = botocore.model.ServiceModel(parsed, service).operation_model(name)
                botocore.handlers.remove_bucket_from_url_paths_from_model(params={}, model=model, context={})
        assert used == parsed, (service, "service-2")

    endpoints, parsed_endpoints = shared.load_data("endpoints"), fresh.load_data("endpoints")
    resolver = botocore.regions.EndpointResolver(parsed_endpoints)
    for partition in endpoints["partitions"]:
        for service, data in partition["services"].items():
            for region, endpoint in data.get("endpoints", {}).items():
                if "endpointName" in endpoint:  # resolved in this run
                    resolver.construct_endpoint(service, region, partition_name=partition["partition"])
    assert endpoints == parsed_endpoints
