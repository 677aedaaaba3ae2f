"""Annotation pages, one module per page group; thin shells that check roles, parse forms and call services."""
