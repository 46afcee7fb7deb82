"""Matching pools (配捐): sponsors' funds allocated against gifts under caps."""
