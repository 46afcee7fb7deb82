"""Payments: attempts against pledges (Stripe, bank transfer, cash) and their refunds."""
