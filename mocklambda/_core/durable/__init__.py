"""Lambda durable executions as pure logic (issue 16): ARNs, tokens, the operations' state
machines, the history log, the invocation envelope and the execution that ties them together.

Nothing here reads a clock, starts a thread or imports moto: every method that needs the time takes
``now``; the pipeline (``_pipeline.durable``) owns the timers and the invocations.
"""
