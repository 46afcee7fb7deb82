"""Disbursements: funds released to implementers against milestones."""
