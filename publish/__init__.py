"""Stage 4: statistics and the outputs analysts open (CSV, XLSX, the report)."""
