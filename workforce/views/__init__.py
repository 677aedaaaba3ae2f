"""Workforce pages: the worker's own (``worker``), study links (``study``), admins' (``staff``)."""
