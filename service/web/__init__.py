"""HTTP plumbing shared by every domain: errors, locale, template helpers."""
