"""Every endpoint's reply says how long it spent inside the service (what the load bench reports)."""

from __future__ import annotations

import re

REALTIME = {"planogram_id": "1_0", "product_id": 1, "slot_position": "A1"}
TIMING = re.compile(r"^app;dur=(\d+\.\d)$")


def test_answered_and_refused_requests_carry_their_time_inside_the_service(small_demo, serve):
    served = serve(small_demo)
    answered = served.post("realtime-analysis", REALTIME)
    refused = served.post("realtime-analysis", REALTIME, user=None)
    assert (answered.status_code, refused.status_code) == (200, 401)
    for reply in (answered, refused):
        timing = TIMING.match(reply.headers["Server-Timing"])
        assert timing is not None, reply.headers["Server-Timing"]
        assert float(timing.group(1)) >= 0.0
