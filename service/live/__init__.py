"""The meeting, live: projector and phone pages fed by Server-Sent Events."""
