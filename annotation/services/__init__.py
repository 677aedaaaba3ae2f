"""Every write of the annotation workflows, one module per concern; each public function is one transaction.

Import from the concrete module (``annotation.services.review``, ...); this package re-exports nothing.
"""
