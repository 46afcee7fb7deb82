"""minsheng: run a subdistrict's public-welfare crowdfunding event (民生实事公益众筹会)."""

import os

# Piccolo finds its engine through this module; set before any table is touched.
os.environ.setdefault("PICCOLO_CONF", "service.piccolo_conf")
