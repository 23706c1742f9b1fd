"""The pipeline's steps, one module each: ``accept`` → the queue (``_core.event_queue``) →
``attempt`` (faults, ``concurrency``, the run) → ``finish`` (destinations, DLQ), with
``telemetry``, the ``sqs_poller``, ``scheduled_rules`` and the ``realtime`` runner beside them;
``pipeline`` wires them. They reach moto only through the ports (``_ports``)."""
