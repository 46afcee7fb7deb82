"""Pledges: online, on-stage claims (举牌认领) and offline promises to give."""
