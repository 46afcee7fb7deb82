"""Demo data: the 5th and 6th Wangjiang public-welfare crowdfunding events as plain Python."""
