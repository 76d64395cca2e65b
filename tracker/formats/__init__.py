"""tracker's file formats (SPEC §5), one module per format; `entries`, `json_scan` and `output` serve them."""
