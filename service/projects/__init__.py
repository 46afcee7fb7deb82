"""Livelihood projects (民生实事项目): proposals, budgets, review and the published portfolio."""
