"""The opaque ``Marker`` / ``NextMarker`` of Lambda's List operations: an index, base64-encoded
(AWS's markers are opaque too; a marker that is not one of ours is AWS's "Invalid marker")."""

from __future__ import annotations

import base64

from . import aws_errors


def start_of(marker: str | None) -> int:
    if not marker:
        return 0
    try:
        return int(base64.urlsafe_b64decode(marker.encode()).decode())
    except ValueError:
        raise aws_errors.invalid_parameter("Invalid marker") from None


def marker_for(index: int) -> str:
    return base64.urlsafe_b64encode(str(index).encode()).decode()
