"""Small column helpers of the build pipeline."""

import datetime as dt

import pyarrow as pa


def column_array(table: pa.Table, name: str) -> pa.Array:
    """A column of a single-chunk table (``combine_chunks``) as one array."""
    column = table.column(name)
    return column.chunk(0) if column.num_chunks == 1 else pa.concat_arrays(column.chunks)


def iso_timestamp(value: str | None) -> str | None:
    """ISO 8601 in UTC, as ``datetime.isoformat()`` writes it, from PostgreSQL's text or ISO 8601."""
    if not value:
        return None
    # PostgreSQL's text for a UTC timestamptz, "YYYY-MM-DD HH:MM:SS[.ffffff]+00", rewritten without
    # parsing (it prints no fraction for whole seconds and drops trailing zeros; isoformat likewise
    # prints none, or all six digits).
    if value.endswith("+00") and len(value) >= 22 and value[4] == "-" and value[10] == " " and value[19] in ".+":
        fraction = value[19:-3]
        return f"{value[:10]}T{value[11:19]}{fraction.ljust(7, '0') if fraction else ''}+00:00"
    return dt.datetime.fromisoformat(value).astimezone(dt.UTC).isoformat()
