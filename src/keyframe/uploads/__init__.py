"""Upload tokens: chunked, resumable uploads whose complete file is handed to an entry."""
