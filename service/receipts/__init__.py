"""Donation receipts (捐赠收据): gapless numbers, voids and reissues."""
