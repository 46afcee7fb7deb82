"""Events (届): the annual crowdfunding meeting and its lifecycle."""
