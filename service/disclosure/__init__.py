"""Fund-use disclosure: what each project did with its money, the disclosure calendar and
its reminders, and the per-edition transparency report."""
