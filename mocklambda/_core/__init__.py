"""The pure core: AWS's rules and shapes as plain Python (the event queue and its clock, the
retry policy, recursion admission, records, service event shapes, schedule expressions, Invoke
validation, AWS's error format, the event-invoke-config store). It imports only the data model,
never moto or the runtime, and is unit-tested directly (tests/unit)."""
