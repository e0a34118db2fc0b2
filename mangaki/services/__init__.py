"""Every write to the database goes through a function of this package."""
