"""Organizations: communities, social organizations, enterprises and government bodies."""
