"""Every write of the exports app: ``specs`` (what goes into a corpus) and ``builds`` (running one).

The build engine itself lives in ``exports.build``.
"""

from exports.services.builds import (
    default_build_directory,
    export_build_create,
    export_build_retry,
    export_build_run,
    export_download_record,
)
from exports.services.specs import (
    SPEC_FIELDS,
    error_lines,
    export_spec_build_unsaved,
    export_spec_create,
    export_spec_from_yaml,
    export_spec_parse_yaml,
    spec_snapshot,
)

__all__ = [
    "SPEC_FIELDS",
    "default_build_directory",
    "error_lines",
    "export_build_create",
    "export_build_retry",
    "export_build_run",
    "export_download_record",
    "export_spec_build_unsaved",
    "export_spec_create",
    "export_spec_from_yaml",
    "export_spec_parse_yaml",
    "spec_snapshot",
]
