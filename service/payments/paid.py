"""What has been paid against pledges: kept importable here; the rule lives in
`service.pledges.money`."""

from __future__ import annotations

from service.pledges.money import paid_by_pledge as paid_by_pledge
from service.pledges.money import paid_fen as paid_fen
