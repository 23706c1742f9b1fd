"""Running a Python handler in-process as AWS's Python runtime does: containers (code on disk,
modules, environment), the init phase, the handler call with its timeout, output capture and log
framing, and the threads handler code runs on."""
