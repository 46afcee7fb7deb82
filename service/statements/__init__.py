"""Bank and wallet statements: read as exported, matched to pledges, applied once."""
